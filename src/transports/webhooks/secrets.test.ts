/**
 * The generated webhook secret when several processes start on one data directory at once
 * (gateways and workers of one deployment): every one ends with the same secret, none fails.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createOnce, webhookSecrets } from './secrets.js';

const MODULE = fileURLToPath(new URL('./secrets.ts', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bp-secret-'));
  dirs.push(dir);
  return dir;
}

/**
 * One process that reads or creates the secret in `dir` at `startAt` (ms since the epoch) and
 * prints it, or its error. The common start lines them up past node's and tsx's start-up time,
 * so they reach the file at the same moment, as a deployment's processes can.
 */
function secretFromAnotherProcess(
  dir: string,
  startAt: number,
): Promise<{ code: number | null; out: string }> {
  const script =
    `const { webhookSecrets } = await import(${JSON.stringify(MODULE)});` +
    `while (Date.now() < ${startAt});` +
    `process.stdout.write(webhookSecrets(undefined, ${JSON.stringify(dir)}).join(','));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      resolve({ code, out });
    }),
  );
}

describe('webhookSecrets without --webhook-secret', () => {
  it('creates the secret once (mode 0600) and reads the same one afterwards', () => {
    const dir = dataDir();
    const [first] = webhookSecrets(undefined, dir);
    expect(first).toMatch(/^whsec_/);
    expect(webhookSecrets(undefined, dir)).toEqual([first]);
    expect(readFileSync(join(dir, 'webhook-secret'), 'utf8')).toBe(`${first}\n`);
    expect(statSync(join(dir, 'webhook-secret')).mode & 0o777).toBe(0o600);
  });

  it('loses the race to a process that created the file after our read: its secret is ours', () => {
    const dir = dataDir();
    const file = join(dir, 'webhook-secret');
    writeFileSync(file, 'whsec_theirs\n', { mode: 0o600 });
    expect(createOnce(file, 'whsec_ours\n')).toBe('whsec_theirs\n');
    expect(readFileSync(file, 'utf8')).toBe('whsec_theirs\n');
    expect(readdirSync(dir)).toEqual(['webhook-secret']); // our own copy is gone
  });

  it('gives 8 processes started at once on one data directory the same secret', async () => {
    const dir = dataDir();
    const startAt = Date.now() + 3000;
    const results = await Promise.all(
      Array.from({ length: 8 }, () => secretFromAnotherProcess(dir, startAt)),
    );
    expect(results.map((r) => r.code)).toEqual(Array(8).fill(0));
    const secrets = new Set(results.map((r) => r.out));
    expect(secrets.size).toBe(1);
    expect([...secrets][0]).toBe(readFileSync(join(dir, 'webhook-secret'), 'utf8').trim());
  }, 30_000);
});
