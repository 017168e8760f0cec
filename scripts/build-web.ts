/**
 * Bundles the dashboard (web/src/main.ts, with the client SDK) into web/dist/dashboard.js for
 * browsers. Runs on `npm install` (prepare) and before `npm start`, so the README's two commands
 * still do all the set-up; web/dist/ is build output and is not committed.
 */
import { build } from 'esbuild';
import { pathToFileURL } from 'node:url';

const ROOT = new URL('../', import.meta.url);
export const DASHBOARD_BUNDLE = new URL('web/dist/dashboard.js', ROOT);

/** Builds the bundle; resolves with its size in bytes. */
export async function buildDashboard(): Promise<number> {
  const result = await build({
    entryPoints: [new URL('web/src/main.ts', ROOT).pathname],
    outfile: DASHBOARD_BUNDLE.pathname,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    absWorkingDir: ROOT.pathname,
  });
  const output = result.metafile.outputs['web/dist/dashboard.js'];
  return output?.bytes ?? 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const bytes = await buildDashboard();
  console.log(`web/dist/dashboard.js: ${(bytes / 1024).toFixed(1)} KiB`);
}
