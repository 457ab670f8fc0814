import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

import type { Context, Handler } from 'hono';

import { NotFoundError } from '../core/errors.js';
import type { KeyClient } from '../runtime/key-client.js';
import { bearerToken } from './auth.js';

/**
 * Paths the dashboard never answers: the API's own. A request for one that reached the
 * dashboard's catch-all matched no API route, so it is a 404 — but only after its key is
 * checked, as for any unknown route (a stranger learns nothing about which routes exist).
 */
const API_PATHS = /^\/(v1|metrics|healthz|readyz|openapi\.json)(\/|$)/;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * `GET /*` for the web dashboard's built files in `dir` (the `dist` of `@vigil/dashboard`): a
 * file that exists is sent as it is; any other path that looks like a page (no file extension)
 * gets `index.html`, so the dashboard's own routes (`/runs/019…`) load on refresh. The files are
 * public — the dashboard asks for an API key itself and sends it on every API call.
 *
 * Files under `assets/` carry a content hash in their names (Vite), so they are cached for a
 * year; `index.html` is never cached, so a new build is picked up at once.
 */
export function dashboardSite(dir: string, keys: KeyClient): Handler {
  const root = resolve(dir);
  return async (c: Context) => {
    const path = decodePath(c.req.path);
    if (path === null || API_PATHS.test(path)) {
      await keys.authenticate(bearerToken(c));
      throw new NotFoundError('route_not_found', `No route for ${c.req.method} ${c.req.path}`);
    }
    const file = resolve(join(root, path));
    const inside = file === root || file.startsWith(root + sep);
    if (inside && file !== root && (await isFile(file))) {
      const immutable = path.startsWith('/assets/');
      return c.body(await readFile(file), 200, {
        'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
    }
    // A missing asset is a 404 (an HTML page in its place would hide the broken link).
    if (extname(path) !== '') {
      return c.json(
        { error: { code: 'file_not_found', message: `The dashboard has no file ${path}`, path: null } },
        404,
      );
    }
    return c.body(await readFile(join(root, 'index.html')), 200, {
      'content-type': CONTENT_TYPES['.html']!,
      'cache-control': 'no-cache',
    });
  };
}

/** The request path decoded; null when it does not decode or names a parent directory. */
function decodePath(raw: string): string | null {
  try {
    const path = decodeURIComponent(raw);
    return path.split('/').includes('..') || path.includes('\0') ? null : path;
  } catch {
    return null;
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      return false;
    }
    throw error;
  }
}
