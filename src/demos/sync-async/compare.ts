/**
 * The Sync vs Async comparison: reads one generated file with every strategy, in this process
 * and (for the async ones) again in a child process with io_uring enabled, for several rounds,
 * and keeps each strategy's median round.
 *
 * Rounds go round-robin over the strategies, so a noisy neighbour on a shared machine slows
 * all of them a little rather than one of them a lot.
 */
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { allReadStrategies } from '../../execution/file-read-strategies.js';
import { HttpProbe } from './http-probe.js';
import { IoUringRunner } from './io-uring-runner.js';
import { ioUringRings, measureRead, type ReadMeasurement } from './measure-read.js';
import { createTestFile } from './test-file.js';

export interface CompareOptions {
  sizeBytes: number;
  /** Chunk size of the tuned read stream. */
  chunkBytes: number;
  rounds: number;
  /** Also measure the async strategies in a child with UV_USE_IO_URING=1. */
  ioUring: boolean;
  /** Where the temp directory for the test file is made (default: the OS temp dir). */
  tempParent?: string;
  onProgress?: (line: string) => void;
}

export interface CompareRow extends ReadMeasurement {
  /** The strategy, marked when it ran with io_uring enabled. */
  label: string;
  /** Every round's wall time and longest loop stall, in ms, in round order. */
  wallMsByRound: number[];
  loopMaxMsByRound: number[];
}

export interface CompareReport {
  date: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    kernel: string;
    node: string;
    libuv: string;
    /** 1-minute load average when the run ended: how busy the machine was besides us. */
    loadAverage: number;
  };
  sizeBytes: number;
  chunkBytes: number;
  rounds: number;
  threadPoolSize: number;
  /** io_uring instances libuv opened: none by default on Node 20, some in the child. */
  ioUringRings: { default: number; child: number | null };
  rows: CompareRow[];
}

const IO_URING_SUFFIX = ' + io_uring';

export async function runCompare(options: CompareOptions): Promise<CompareReport> {
  const log = options.onProgress ?? (() => undefined);
  log(`writing a ${options.sizeBytes / 1024 / 1024} MiB test file`);
  const file = await createTestFile(options.sizeBytes, options.tempParent);
  const strategies = allReadStrategies(options.chunkBytes);
  const probe = await HttpProbe.start();
  const child = options.ioUring ? await IoUringRunner.start(options.chunkBytes) : undefined;
  const removeOnSignal = () => {
    file.remove();
    process.exit(130);
  };
  process.once('SIGINT', removeOnSignal);
  const byLabel = new Map<string, ReadMeasurement[]>();
  const record = (label: string, measurement: ReadMeasurement) => {
    byLabel.set(label, [...(byLabel.get(label) ?? []), measurement]);
    log(`  ${label}: ${measurement.wallMs.toFixed(1)} ms`);
  };
  try {
    for (let round = 1; round <= options.rounds; round++) {
      log(`round ${round} of ${options.rounds}`);
      for (const strategy of strategies) {
        record(strategy.name, await measureRead(strategy, file.path, probe));
      }
      if (child) {
        for (const name of child.strategies) {
          record(`${name}${IO_URING_SUFFIX}`, await child.measure(name, file.path));
        }
      }
    }
  } finally {
    process.off('SIGINT', removeOnSignal);
    for (const strategy of strategies) await strategy.close?.();
    await Promise.all([probe.close(), child?.close()]);
    file.remove();
  }
  return {
    date: new Date().toISOString(),
    machine: machine(),
    sizeBytes: options.sizeBytes,
    chunkBytes: options.chunkBytes,
    rounds: options.rounds,
    threadPoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    ioUringRings: { default: ioUringRings(), child: child?.rings ?? null },
    rows: [...byLabel].map(([label, rounds]) => ({ label, ...median(rounds) })),
  };
}

/** The round with the median wall time, with every round's wall time and stall alongside. */
function median(rounds: ReadMeasurement[]): Omit<CompareRow, 'label'> {
  const sorted = [...rounds].sort((a, b) => a.wallMs - b.wallMs);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)] as ReadMeasurement;
  return {
    ...middle,
    wallMsByRound: rounds.map((r) => r.wallMs),
    loopMaxMsByRound: rounds.map((r) => r.loopDelay.maxMs),
  };
}

function machine(): CompareReport['machine'] {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    kernel: release(),
    node: process.version,
    libuv: process.versions.uv,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 10) / 10,
  };
}
