/** A job's event log read straight from a SQLite file (a live server's too: WAL allows it). */
import { join } from 'node:path';
import type { JobEvent } from '../../../src/model/job.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';

export async function readLog(dataDir: string, jobId: string): Promise<JobEvent[]> {
  const store = new SqliteStore({ path: join(dataDir, 'jobs.db'), readOnly: true });
  try {
    return (await store.events(jobId, 0, 100_000))?.events ?? [];
  } finally {
    await store.close();
  }
}
