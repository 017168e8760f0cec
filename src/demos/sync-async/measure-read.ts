/**
 * Measures one read of one file with one strategy: wall time, throughput, peak memory, what the
 * event loop went through, and how long HTTP requests to this process waited meanwhile.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { LIBUV_POOL, type ReadStrategy } from '../../execution/file-read-strategies.js';
import type { HttpProbe, ProbeResult } from './http-probe.js';
import { LoopRecorder, type Stall } from './loop-recorder.js';

export interface ReadMeasurement {
  strategy: string;
  where: string;
  /** True when this process's libuv runs file reads through io_uring. */
  ioUring: boolean;
  bytes: number;
  wallMs: number;
  mibPerSec: number;
  /** Resident memory before the read and at its peak, in MiB. */
  rssBeforeMiB: number;
  peakRssMiB: number;
  loopDelay: { p50Ms: number; p99Ms: number; maxMs: number };
  http: ProbeResult;
  stalls: Stall[];
}

const MIB = 1024 * 1024;
const SETTLE_MS = 3;
const QUIET_MS = 20;

export async function measureRead(
  strategy: ReadStrategy,
  path: string,
  probe: HttpProbe,
): Promise<ReadMeasurement> {
  await strategy.prepare?.();
  // So that the previous strategy's buffers neither count against this one nor get freed
  // (which takes the kernel a while for hundreds of MiB) while it runs.
  collectGarbage();
  await sleep(QUIET_MS);
  const rssBefore = process.memoryUsage.rss();
  await probe.begin();
  const recorder = new LoopRecorder();
  // Let the delay histogram take its first samples: it measures from one sample to the next, so
  // a stall before its first sample would go unrecorded.
  await sleep(SETTLE_MS);
  recorder.begin();
  const started = performance.now();
  const result = await strategy.read(path);
  const wallMs = performance.now() - started;
  recorder.sampleRss(); // while `result` still holds the content
  // And after the read, so it samples a stall that just ended.
  await sleep(SETTLE_MS);
  const loop = recorder.stop();
  const http = await probe.end();
  const rings = ioUringRings();
  return {
    strategy: strategy.name,
    where: rings > 0 && strategy.where === LIBUV_POOL ? 'io_uring' : strategy.where,
    ioUring: rings > 0,
    bytes: result.bytes,
    wallMs,
    mibPerSec: result.bytes / MIB / (wallMs / 1000),
    rssBeforeMiB: rssBefore / MIB,
    peakRssMiB: loop.peakRss / MIB,
    loopDelay: { p50Ms: loop.p50Ms, p99Ms: loop.p99Ms, maxMs: loop.maxMs },
    http,
    stalls: loop.stalls,
  };
}

/** libuv's io_uring instances show up as anonymous inodes among this process's descriptors. */
export function ioUringRings(): number {
  try {
    return readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).includes('io_uring');
      } catch {
        return false;
      }
    }).length;
  } catch {
    return 0; // not Linux
  }
}

let gc: (() => void) | undefined;

/** A full garbage collection, without asking for --expose-gc on the command line. */
function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
