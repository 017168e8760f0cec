/**
 * The chapters' browser pages, served from demos/ so learners edit the real files and reload:
 * GET /sse/ is the server-sent events page. Only the files listed here are served, so a path
 * can never reach anything else on disk.
 */
import type { App } from '../../edge/app-type.js';
import { staticFileRoutes } from './static-files.js';

// Scripts only from this server, and no inline script: page text can never become code.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'";

export function demoPageRoutes(app: App): void {
  staticFileRoutes(app, {
    // demos/ in a clone (from src/http/routes/ and from dist/http/routes/ alike).
    root: new URL('../../../demos/', import.meta.url),
    files: {
      '/sse/': { file: 'sse/index.html', type: 'text/html; charset=utf-8' },
      '/sse/page.js': { file: 'sse/page.js', type: 'text/javascript; charset=utf-8' },
    },
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    whenMissing: 'is only served from a clone with demos/',
  });
  // Relative links on the page resolve against /sse/, so send /sse there.
  app.get(
    '/sse',
    { config: { access: 'public' }, schema: { hide: true } },
    async (_request, reply) => reply.redirect('/sse/', 301),
  );
}
