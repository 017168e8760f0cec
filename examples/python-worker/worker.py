#!/usr/bin/env python3
"""A backend-patterns worker in Python, standard library only (docs/workers.md).

It runs jobs of the external type `transcode` (declared in job-types.json): claims one over
HTTP under a lease (a long poll: an idle worker holds one request), reports progress, which
renews the lease, and completes it. When the answer to a progress report is 409 `job_canceled`
or `lease_lost`, it stops working on that job at once and claims the next.

    python3 worker.py --server http://localhost:8000 [--key WORKER_KEY] [--once]

It prints one JSON line per thing it does (claimed, progress, canceled, lease_lost, completed),
so a person or a test can follow it.
"""
import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request


class Refused(Exception):
    """The server answered with a problem document: `code` is its stable error code."""

    def __init__(self, status, problem):
        super().__init__(f"{status} {problem.get('code')}: {problem.get('detail')}")
        self.status = status
        self.code = problem.get("code")


class Client:
    def __init__(self, server, key):
        self.server = server.rstrip("/")
        self.key = key

    def post(self, path, body, timeout=90):
        """POSTs JSON; returns (status, parsed body or None); raises Refused on a problem."""
        request = urllib.request.Request(
            self.server + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"content-type": "application/json"},
        )
        if self.key:
            request.add_header("authorization", f"Bearer {self.key}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                text = response.read()
                return response.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as error:
            try:
                problem = json.loads(error.read() or b"{}")
            except ValueError:
                problem = {}
            raise Refused(error.code, problem) from None

    def claim(self, types, wait):
        status, body = self.post("/workers/claim", {"types": types, "wait": wait}, timeout=wait + 30)
        return body if status == 200 else None

    def progress(self, job_id, token, percent, data=None):
        body = {"token": token, "progress": percent}
        if data is not None:
            body["data"] = data
        return self.post(f"/workers/jobs/{job_id}/progress", body)[1]

    def complete(self, job_id, token, result):
        return self.post(f"/workers/jobs/{job_id}/complete", {"token": token, "result": result})[1]

    def fail(self, job_id, token, code, message, retryable=True):
        body = {"token": token, "code": code, "message": message, "retryable": retryable}
        return self.post(f"/workers/jobs/{job_id}/fail", body)[1]


def say(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


def transcode(client, claim, step_ms):
    """The work: `steps` steps of `step_ms` each, a progress report (and renewal) after each."""
    job, token = claim["job"], claim["lease"]["token"]
    steps = int(job["input"].get("steps", 10))
    if not job["input"]["url"].endswith((".mp4", ".mov")):
        # A failure of the input, not of the moment: trying again would fail again.
        client.fail(job["id"], token, "unsupported_format", "only .mp4 and .mov", retryable=False)
        say("failed", jobId=job["id"])
        return
    for step in range(1, steps + 1):
        time.sleep(step_ms / 1000)
        client.progress(job["id"], token, round(step * 100 / steps), {"step": step, "of": steps})
        say("progress", jobId=job["id"], step=step)
    client.complete(job["id"], token, {"url": job["input"]["url"], "frames": steps})
    say("completed", jobId=job["id"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default=os.environ.get("SERVER_URL", "http://localhost:8000"))
    parser.add_argument("--key", default=os.environ.get("WORKER_KEY"), help="a --worker-keys secret")
    parser.add_argument("--types", default="transcode", help="comma-separated external job types")
    parser.add_argument("--step-ms", type=int, default=500, help="time per step of the fake work")
    parser.add_argument("--wait", type=float, default=30, help="seconds one claim may wait")
    parser.add_argument("--once", action="store_true", help="exit after one job")
    args = parser.parse_args()
    client = Client(args.server, args.key)
    types = args.types.split(",")
    say("ready", types=types)
    while True:
        try:
            claim = client.claim(types, args.wait)
        except (Refused, OSError) as error:  # shutting down, unreachable: try again soon
            say("claim_failed", error=str(error))
            time.sleep(1)
            continue
        if claim is None:
            continue  # nothing came within the wait: ask again
        job_id = claim["job"]["id"]
        say("claimed", jobId=job_id, attempt=claim["job"]["attempt"], token=claim["lease"]["token"])
        try:
            transcode(client, claim, args.step_ms)
        except Refused as refused:
            if refused.code in ("job_canceled", "lease_lost"):
                say(refused.code.replace("job_", ""), jobId=job_id)  # stop this job, take the next
            else:
                raise
        if args.once:
            return 0


if __name__ == "__main__":
    sys.exit(main())
