/**
 * The chapters' browser pages, served from demos/ so learners edit the real files and reload:
 * GET /sse/ is the server-sent events page. Only the files listed here are served, so a path
 * can never reach anything else on disk.
 */
import { readFile } from 'node:fs/promises';
import { AppError } from '../../errors/app-error.js';
import type { App } from '../types.js';

/** demos/ in a clone (from src/http/routes/ and from dist/http/routes/ alike). */
const DEMOS = new URL('../../../demos/', import.meta.url);

const PAGES: Readonly<Record<string, { file: string; type: string }>> = {
  '/sse/': { file: 'sse/index.html', type: 'text/html; charset=utf-8' },
  '/sse/page.js': { file: 'sse/page.js', type: 'text/javascript; charset=utf-8' },
};

// Scripts only from this server, and no inline script: page text can never become code.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'";

export function demoPageRoutes(app: App): void {
  for (const [path, page] of Object.entries(PAGES)) {
    app.get(
      path,
      { config: { access: 'public' }, schema: { hide: true } },
      async (_request, reply) => {
        let body: string;
        try {
          body = await readFile(new URL(page.file, DEMOS), 'utf8');
        } catch {
          throw new AppError('not_found', `${path} is only served from a clone with demos/`);
        }
        return reply
          .type(page.type)
          .header('cache-control', 'no-cache')
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', CONTENT_SECURITY_POLICY)
          .send(body);
      },
    );
  }
  // Relative links on the page resolve against /sse/, so send /sse there.
  app.get(
    '/sse',
    { config: { access: 'public' }, schema: { hide: true } },
    async (_request, reply) => reply.redirect('/sse/', 301),
  );
}
