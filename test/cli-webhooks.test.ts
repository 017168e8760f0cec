/**
 * `backend-patterns webhooks …` end to end: the real CLI (dist/, so `npm run build` first) in
 * a child process against a real server — JSON and text output, the secret printed on create
 * and rotate only, and the exit code of a refusal.
 */
import { describe, expect, it } from 'vitest';
import type { WebhookEndpointPage, WebhookEndpointWithSecret } from '../src/client/index.js';
import { runCli } from './helpers/cli-run.js';
import { startTestServer } from './helpers/test-server.js';

const HOOK = 'http://127.0.0.1:9/hook';

const cli = (url: string, args: string[]) =>
  runCli(['webhooks', ...args], { ...process.env, BACKEND_PATTERNS_URL: url });

describe('backend-patterns webhooks', () => {
  it('creates, lists, gets, updates, rotates and deletes endpoints', async () => {
    const { url } = await startTestServer({ webhookAllowPrivate: true });
    const created = await cli(url, [
      'create',
      HOOK,
      '--events',
      'all',
      '--description',
      'ci',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const endpoint = JSON.parse(created.stdout) as WebhookEndpointWithSecret;
    expect(endpoint).toMatchObject({ url: HOOK, events: 'all', description: 'ci' });
    expect(endpoint.secret).toMatch(/^whsec_/);

    const text = await cli(url, ['create', `${HOOK}/2`]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^[0-9a-f-]{36} {2}terminal {2}http:\/\/127\.0\.0\.1:9\/hook\/2\nsecret whsec_\S+\n {2}\(shown only now: keep it\)\n$/,
    );

    const listed = await cli(url, ['list', '--json', '--limit', '1']);
    const page = JSON.parse(listed.stdout) as WebhookEndpointPage;
    expect(page.webhooks).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();
    const table = await cli(url, ['list']);
    expect(table.stdout).toContain(`${endpoint.id}  all  ${HOOK}\n  ci\n`);
    expect(table.stdout).not.toContain('whsec_');

    const updated = await cli(url, [
      'update',
      endpoint.id,
      '--endpoint-url',
      `${HOOK}/v2`,
      '--events',
      'terminal',
      '--no-description',
      '--json',
    ]);
    expect(updated.code, updated.stderr).toBe(0);
    const changed = JSON.parse(updated.stdout) as WebhookEndpointWithSecret;
    expect(changed).toMatchObject({ url: `${HOOK}/v2`, events: 'terminal' });
    expect(changed).not.toHaveProperty('description');

    const rotated = await cli(url, ['rotate-secret', endpoint.id, '--overlap', '60']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/previous secret signs until \S+Z\nsecret whsec_/);
    expect(rotated.stdout).not.toContain(endpoint.secret);

    const got = await cli(url, ['get', endpoint.id]);
    expect(got.stdout).toContain(`${endpoint.id}  terminal  ${HOOK}/v2`);
    expect(got.stdout).not.toContain('whsec_');
    expect((await cli(url, ['delete', endpoint.id])).stdout).toBe(`deleted ${endpoint.id}\n`);
    const missing = await cli(url, ['get', endpoint.id]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('webhook_endpoint_not_found');
  });

  it('exits 3 with the code when the server refuses the URL, 2 on a bad flag', async () => {
    const { url } = await startTestServer();
    const refused = await cli(url, ['create', HOOK]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('webhook_url_refused');
    const usage = await cli(url, ['create', HOOK, '--events', 'some']);
    expect(usage.code).toBe(2);
  });
});
