/**
 * docs/job-types.md's examples run: their own test file (node:test, as a user would run it),
 * `serve --job-types` with the module in TypeScript through tsx, where a cancel must stop the
 * encoder process and leave the server running, and the embedding example.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createClient } from '../src/client/index.js';
import { childrenRunning } from './helpers/child-processes.js';
import { spawnNode, spawnServer } from './helpers/spawn-server.js';
import { tempDir } from './helpers/temp-dir.js';

const run = promisify(execFile);
const example = (file: string) =>
  new URL(`../examples/job-types/${file}`, import.meta.url).pathname;

describe('the job-type examples', () => {
  it('pass their own tests', async () => {
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      '--test',
      example('job-types.test.ts'),
    ]);
    expect(stdout).toMatch(/^# pass 10$/m);
    expect(stdout).toMatch(/^# fail 0$/m);
  }, 60_000);

  it('load into serve from TypeScript, and a cancel stops the encoder, not the server', async () => {
    const server = await spawnServer(['--data-dir', tempDir(), '--job-types', example('index.ts')]);
    const client = createClient({ baseUrl: server.url });
    const job = await client.submit('encode', { frames: 100_000, frameMs: 10 });
    for await (const seen of client.watch(job)) if (seen.progress > 0) break;
    expect(childrenRunning(server.pid, 'fake-encoder')).toHaveLength(1);
    expect((await client.cancel(job.id)).status).toBe('canceled');
    await expect.poll(() => childrenRunning(server.pid, 'fake-encoder')).toEqual([]);
    const next = await client.submit('encode', { frames: 2, frameMs: 1 });
    let last;
    for await (const seen of client.watch(next)) last = seen;
    expect(last).toMatchObject({ status: 'succeeded', result: { frames: 2 } });
  }, 30_000);

  it('embed in a program of one’s own (server.ts), which stops on SIGTERM', async () => {
    const spawned = spawnNode(example('server.ts'), [], {
      env: { PORT: '0', DATA_DIR: tempDir() },
    });
    await expect
      .poll(() => spawned.lines.join('\n'), { timeout: 15_000 })
      .toMatch(/^listening on /m);
    const url = /^listening on (\S+)/m.exec(spawned.lines.join('\n'))?.[1] ?? '';
    const types = (await createClient({ baseUrl: url }).jobTypes()).map((type) => type.name);
    expect(types).toEqual(expect.arrayContaining(['fetch-url', 'estimate-pi', 'encode']));
    process.kill(spawned.pid, 'SIGTERM');
    expect((await spawned.exited).code).toBe(0);
  }, 30_000);
});
