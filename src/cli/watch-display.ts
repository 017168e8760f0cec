/**
 * How `submit --watch` shows a job moving: a live progress bar on a terminal (cli-progress, on
 * stderr so stdout keeps only the outcome), a line per change when the output is a file or a
 * pipe, and one JSON snapshot per line (NDJSON) with --json.
 */
import cliProgress from 'cli-progress';
import type { Job, WatchStats } from '../client/index.js';

export interface WatchDisplay {
  update(job: Job, stats: Readonly<WatchStats>): void;
  /** Stops the bar; what comes after prints on a fresh line. */
  stop(): void;
}

export function watchDisplay(mode: 'json' | 'tty' | 'lines'): WatchDisplay {
  if (mode === 'json') {
    return {
      update(job) {
        process.stdout.write(`${JSON.stringify(job)}\n`);
      },
      stop() {},
    };
  }
  if (mode === 'lines') {
    return {
      update(job, stats) {
        const via = stats.transport ? ` via ${stats.transport}` : '';
        process.stdout.write(`${job.status} ${job.progress}% (seq ${job.seq}${via})\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {percentage}% | {status} | seq {seq} | via {via} | {duration_formatted}',
      stream: process.stderr,
      hideCursor: true,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(job, stats) {
      const payload = { status: job.status, seq: job.seq, via: stats.transport ?? '…' };
      if (!started) bar.start(100, job.progress, payload);
      else bar.update(job.progress, payload);
      started = true;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
