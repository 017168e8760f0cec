/**
 * The dashboard at / (web/): the page, its stylesheet and its script, bundled with the client
 * SDK by `npm run build:web` (run by npm install and npm start). Files are read per request, so
 * a rebuild shows on reload. The Content-Security-Policy allows only this server's own script,
 * styles and connections: no inline script, nothing from elsewhere.
 */
import { readFile } from 'node:fs/promises';
import { AppError } from '../../errors/app-error.js';
import type { App } from '../types.js';

/** web/ in a clone (from src/http/routes/ and from dist/http/routes/ alike). */
const WEB = new URL('../../../web/', import.meta.url);

const FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  '/dashboard.js': { file: 'dist/dashboard.js', type: 'text/javascript; charset=utf-8' },
};

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function dashboardRoutes(app: App): void {
  for (const [path, entry] of Object.entries(FILES)) {
    app.get(path, { schema: { hide: true } }, async (_request, reply) => {
      let body: string;
      try {
        body = await readFile(new URL(entry.file, WEB), 'utf8');
      } catch {
        throw new AppError(
          'not_found',
          `${path} is served from a clone: run npm install (or npm run build:web) first`,
        );
      }
      return reply
        .type(entry.type)
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', DASHBOARD_CSP)
        .send(body);
    });
  }
}
