/**
 * How to test a job type: start a real server with it — an in-memory store, a free port, no
 * logs — then submit and watch through the client SDK, as your users will. Uses only node:test.
 *
 *   npx tsx --test examples/job-types/job-types.test.ts
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createServer, type Server } from 'backend-patterns';
import { createClient, type Client, type ClientError, type Job } from 'backend-patterns/client';
import { ProcessExit, runProcess } from './run-process.js';

const ENCODER = new URL('./fake-encoder.js', import.meta.url).pathname;

let server: Server;
let client: Client;
const files = createHttpServer((request, response) => {
  // For fetch-url: /file is 192 KiB of one repeated byte, anything else a 404.
  if (request.url !== '/file') return void response.writeHead(404).end();
  response.writeHead(200, { 'content-length': String(3 * 65536) });
  for (let i = 0; i < 3; i++) response.write(Buffer.alloc(65536, 0x61));
  response.end();
});

before(async () => {
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  // fetch-url reads its allowed origins when it is imported: set them first.
  process.env.FETCH_ALLOWED_ORIGINS = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  const { default: jobTypes } = await import('./index.js');
  server = await createServer(
    { db: ':memory:', port: 0, host: '127.0.0.1', logLevel: 'silent' },
    { jobTypes },
  );
  client = createClient({ baseUrl: await server.listen() });
});
after(async () => {
  await server.close();
  files.close();
});

/** Submits a job and watches it to its end; resolves with every snapshot seen. */
async function run(type: string, input: unknown): Promise<Job[]> {
  const seen: Job[] = [];
  for await (const job of client.watch(await client.submit(type, input))) seen.push(job);
  return seen;
}

describe('estimate-pi', () => {
  it('computes in a worker thread, with progress on the way', async () => {
    const seen = await run('estimate-pi', { samples: 2_000_000, seed: 7 });
    const last = seen.at(-1);
    assert.equal(last?.status, 'succeeded');
    const { estimate } = last.result as { estimate: number };
    assert.ok(Math.abs(estimate - Math.PI) < 0.01, `estimate ${estimate}`);
    assert.ok(seen.some((job) => job.status === 'running' && job.progress > 0));
  });
});

describe('encode', () => {
  it('turns the encoder’s frames into progress and succeeds', async () => {
    const seen = await run('encode', { frames: 40, frameMs: 5 });
    assert.deepEqual(seen.at(-1)?.result, { frames: 40 });
  });

  it('fails with a stable code when the encoder exits with an error', async () => {
    const seen = await run('encode', { frames: 40, frameMs: 1, corruptFrame: 5 });
    assert.deepEqual(seen.at(-1)?.error, {
      code: 'corrupt_input',
      message: 'the input is corrupt at frame 5',
    });
  });

  it('stops the encoder on cancel, and the server goes on', async () => {
    const job = await client.submit('encode', { frames: 10_000, frameMs: 10 });
    for await (const seen of client.watch(job)) {
      if (seen.progress > 0) break; // the encoder is running
    }
    assert.equal((await client.cancel(job.id)).status, 'canceled');
    const next = await run('encode', { frames: 3, frameMs: 1 });
    assert.equal(next.at(-1)?.status, 'succeeded');
  });
});

describe('fetch-url', () => {
  it('downloads from an allowed origin', async () => {
    const url = `${process.env.FETCH_ALLOWED_ORIGINS}/file`;
    const seen = await run('fetch-url', { url });
    assert.deepEqual(seen.at(-1)?.result, {
      url,
      status: 200,
      bytes: 3 * 65536,
      sha256: '971c42be2544f01e31b726475ce57a67ec6b9a869a1aa084f8d4519819af0a84',
    });
  });

  it('refuses other origins at submit time, naming the field', async () => {
    const submit = client.submit('fetch-url', { url: 'http://169.254.169.254/' });
    await assert.rejects(submit, (error: ClientError) => {
      assert.equal(error.code, 'invalid_input');
      assert.deepEqual(error.problem?.errors, [
        {
          field: 'input.url',
          message: 'origin http://169.254.169.254 is not in FETCH_ALLOWED_ORIGINS',
        },
      ]);
      return true;
    });
  });

  it('fails with http_status for an error answer', async () => {
    const seen = await run('fetch-url', { url: `${process.env.FETCH_ALLOWED_ORIGINS}/missing` });
    assert.equal(seen.at(-1)?.error?.code, 'http_status');
  });
});

describe('runProcess', () => {
  it('kills a program that ignores SIGTERM once the grace period is over', async () => {
    const controller = new AbortController();
    const args = [ENCODER, '--frames', '100000', '--frame-ms', '5', '--ignore-sigterm'];
    const done = runProcess(process.execPath, args, {
      signal: controller.signal,
      killGraceMs: 200,
      onStdoutLine: () => {
        controller.abort(new Error('canceled'));
      },
    });
    await assert.rejects(done, { message: 'canceled' });
  });

  it('rejects with the exit code and the end of stderr', async () => {
    const args = [ENCODER, '--frames', '5', '--frame-ms', '0', '--corrupt-frame', '2'];
    const done = runProcess(process.execPath, args, { signal: new AbortController().signal });
    await assert.rejects(done, (error: unknown) => {
      assert.ok(error instanceof ProcessExit);
      assert.equal(error.exitCode, 3);
      assert.match(error.stderrTail, /error while decoding frame 2/);
      return true;
    });
  });

  it('rejects, without crashing the process, when the program does not exist', async () => {
    const done = runProcess('no-such-encoder', [], { signal: new AbortController().signal });
    await assert.rejects(done, { code: 'ENOENT' });
  });
});
