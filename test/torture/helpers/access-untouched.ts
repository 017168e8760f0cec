/**
 * After bob's DELETEs, SDK cancels and CLI cancels on their ids: alice's and carol's jobs are
 * as they were — finished and queued ones unchanged (same seq), running ones still running —
 * and no job's event log holds a cancel but the one alice asked for herself.
 */
import { expect } from 'vitest';
import { read, type Scene } from './access-scene.js';
import { readLog } from './job-log.js';

export async function checkUntouched(url: string, dataDir: string, scene: Scene): Promise<void> {
  for (const target of scene.targets) {
    const context = `${target.owner}'s ${target.state} job`;
    const now = await read(url, target.key, target.job.id);
    if (target.job.status === 'running') expect(now.status, context).toBe('running');
    else
      expect({ status: now.status, seq: now.seq }, context).toEqual({
        status: target.job.status,
        seq: target.job.seq,
      });
    const cancels = (await readLog(dataDir, target.job.id)).filter((e) => e.kind === 'canceled');
    expect(cancels.length, context).toBe(target.state === 'canceled' ? 1 : 0);
  }
}
