/**
 * Serves a fixed list of files from a folder of the clone (the chapters' pages, the dashboard)
 * under a Content-Security-Policy. Only the files listed are served, so a path can never reach
 * anything else on disk; each is read per request, so an edit shows on reload.
 */
import { readFile } from 'node:fs/promises';
import { AppError } from '../../model/errors/app-error.js';
import type { App } from '../../edge/app-type.js';

export interface StaticFiles {
  /** The folder the files are in. */
  root: URL;
  /** URL path → file (relative to `root`) and its content type. */
  files: Readonly<Record<string, { file: string; type: string }>>;
  contentSecurityPolicy: string;
  /** Why a file may be missing (an installed package without the folder). */
  whenMissing: string;
}

export function staticFileRoutes(app: App, spec: StaticFiles): void {
  for (const [path, entry] of Object.entries(spec.files)) {
    // Pages are public: a browser must load them before it can sign in.
    app.get(
      path,
      { config: { access: 'public' }, schema: { hide: true } },
      async (_request, reply) => {
        let body: string;
        try {
          body = await readFile(new URL(entry.file, spec.root), 'utf8');
        } catch {
          throw new AppError('not_found', `${path} ${spec.whenMissing}`);
        }
        return reply
          .type(entry.type)
          .header('cache-control', 'no-cache')
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', spec.contentSecurityPolicy)
          .send(body);
      },
    );
  }
}
