/**
 * What the server logs: per-request lines only at debug unless --log-requests, readable lines
 * on a terminal (a real pseudo-terminal from `script`), JSON in a pipe.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { logFormatFor } from '../src/cli/logger.js';
import { createServer } from '../src/server.js';
import { tempDir } from './helpers/temp-dir.js';

/** A server whose info-level log lines are collected as parsed objects. */
async function loggedServer(logRequests: boolean) {
  const lines: { msg: string; level: number }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as { msg: string; level: number });
      }
      done();
    },
  });
  const server = await createServer(
    { port: 0, host: '127.0.0.1', dataDir: tempDir(), logRequests },
    { logger: pino({ level: 'info' }, sink) },
  );
  onTestFinished(() => server.close());
  const url = await server.listen();
  return { url, lines };
}

describe('logs', () => {
  it('keep requests (also 4xx answers and 404s) out of info unless --log-requests', async () => {
    const quiet = await loggedServer(false);
    const loud = await loggedServer(true);
    for (const { url } of [quiet, loud]) {
      await fetch(`${url}/healthz`);
      await fetch(`${url}/jobs/not-a-job`); // 400
      await fetch(`${url}/nowhere`); // 404
    }
    const perRequest = (lines: { msg: string }[]) =>
      lines.filter((line) => /^(incoming request|request completed)$/.test(line.msg)).length;
    expect(perRequest(quiet.lines)).toBe(0);
    const info = quiet.lines.filter((line) => line.level === 30).map((line) => line.msg);
    expect(info).toEqual([expect.stringMatching(/^Server listening at /)]);
    expect(perRequest(loud.lines)).toBe(6);
  });

  it('--log-format auto: readable on a terminal, JSON elsewhere', () => {
    expect(logFormatFor('auto', true)).toBe('pretty');
    expect(logFormatFor('auto', false)).toBe('json');
    expect(logFormatFor('json', true)).toBe('json');
    expect(logFormatFor('pretty', false)).toBe('pretty');
  });

  it('serve on a real terminal prints readable lines, not JSON', async () => {
    const bin = new URL('../bin/backend-patterns.js', import.meta.url).pathname;
    const command = `${process.execPath} ${bin} serve --port 0 --host 127.0.0.1 --data-dir ${tempDir()}`;
    // `script` runs the command on a pseudo-terminal of its own, as a terminal window would.
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'auto', NO_COLOR: '1' },
    });
    const pid = child.pid ?? 0;
    onTestFinished(() => {
      if (child.exitCode === null) process.kill(-pid, 'SIGKILL');
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await expect.poll(() => output, { timeout: 15_000 }).toMatch(/listening on http/);
    child.stdin.write('\x03'); // Ctrl-C, which the terminal turns into SIGINT
    await once(child, 'exit');
    const listening = output.split(/\r?\n/).find((line) => line.includes('listening on'));
    expect(listening).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: backend-patterns listening on /);
    expect(output).toMatch(/INFO: server closed/);
    expect(output).not.toContain('{"level"');
    expect(output).not.toContain('\u001b['); // NO_COLOR: no colour codes
  });
});
