/**
 * Serves the push chapter's page (demos/push/index.html) at /push/, so the chat also works
 * without opening a file. The page's inline script and style are allowed by hash in a
 * Content-Security-Policy computed from the file itself, so nothing else can run in it even if
 * text ever reached it as markup. When the file is not there (an installed package), there is
 * no route.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { App } from '../../edge/app-type.js';

const PAGE = new URL('../../../demos/push/index.html', import.meta.url);

export function contentSecurityPolicy(html: string): string {
  const hashes = (tag: string) =>
    [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))]
      .map(
        (m) =>
          `'sha256-${createHash('sha256')
            .update(m[1] ?? '')
            .digest('base64')}'`,
      )
      .join(' ');
  return [
    "default-src 'none'",
    `script-src ${hashes('script')}`,
    `style-src ${hashes('style')}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function pushPageRoutes(app: App): void {
  let html: string;
  try {
    html = readFileSync(PAGE, 'utf8');
  } catch {
    return;
  }
  const policy = contentSecurityPolicy(html);
  app.get(
    '/push/',
    { config: { access: 'public' }, schema: { hide: true } },
    async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', policy)
        .header('x-content-type-options', 'nosniff')
        .send(html),
  );
  app.get(
    '/push',
    { config: { access: 'public' }, schema: { hide: true } },
    async (_request, reply) => reply.redirect('/push/'),
  );
}
