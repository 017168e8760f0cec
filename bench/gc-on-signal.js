// Loaded into a benchmarked server with --expose-gc: SIGUSR2 runs a full garbage collection,
// so memory is read without the garbage the handshakes left behind, and then writes
// process.memoryUsage() as JSON to $GC_REPORT_FILE, so any server (ours or a baseline) reports
// its V8 heap the same way.
import { renameSync, writeFileSync } from 'node:fs';

process.on('SIGUSR2', () => {
  globalThis.gc?.();
  const file = process.env.GC_REPORT_FILE;
  if (!file) return;
  // Whole or not at all: the bench polls for the file.
  writeFileSync(`${file}.tmp`, JSON.stringify(process.memoryUsage()));
  renameSync(`${file}.tmp`, file);
});
