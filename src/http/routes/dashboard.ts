/**
 * The dashboard at / (web/): the page, its stylesheet and its script, bundled with the client
 * SDK by `npm run build:web` (run by npm install and npm start). The Content-Security-Policy
 * allows only this server's own script, styles and connections: no inline script, nothing
 * from elsewhere.
 */
import type { App } from '../../edge/app-type.js';
import { staticFileRoutes } from './static-files.js';

const DASHBOARD_CSP = [
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
  staticFileRoutes(app, {
    // web/ in a clone (from src/http/routes/ and from dist/http/routes/ alike).
    root: new URL('../../../web/', import.meta.url),
    files: {
      '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
      '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
      '/dashboard.js': { file: 'dist/dashboard.js', type: 'text/javascript; charset=utf-8' },
    },
    contentSecurityPolicy: DASHBOARD_CSP,
    whenMissing: 'is served from a clone: run npm install (or npm run build:web) first',
  });
}
