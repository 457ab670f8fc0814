import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

import { InvalidArgumentError } from '../core/errors.js';

/**
 * Where the web dashboard's built files are, for `vigil dev` and `vigil server` to serve at `/`:
 *
 * 1. `VIGIL_DASHBOARD_DIR` (or `--dashboard-dir`): a directory holding `index.html`, else an
 *    error — an explicit setting that points nowhere is a mistake to report, not to ignore;
 * 2. `VIGIL_DASHBOARD_DIR=off` (or `none`): no dashboard;
 * 3. else the `dist` of the `@vigil/dashboard` package when it is installed and built;
 * 4. else null, and `/` keeps answering the JSON index.
 *
 * The runtime never imports the dashboard's code: it only finds its package's folder.
 */
export function findDashboardDir(explicit: string | undefined, cwd: string): string | null {
  if (explicit !== undefined && explicit !== '') {
    if (explicit === 'off' || explicit === 'none') return null;
    const dir = resolve(cwd, explicit);
    if (!existsSync(join(dir, 'index.html'))) {
      throw new InvalidArgumentError(`The dashboard directory ${dir} has no index.html (VIGIL_DASHBOARD_DIR)`, {
        path: 'VIGIL_DASHBOARD_DIR',
      });
    }
    return dir;
  }
  for (const from of [join(cwd, 'package.json'), import.meta.url]) {
    const dir = installedDashboard(from);
    if (dir !== null) return dir;
  }
  return null;
}

/** The built `dist` of `@vigil/dashboard` as resolved from `from`, or null when absent or unbuilt. */
function installedDashboard(from: string): string | null {
  let manifest: string;
  try {
    manifest = createRequire(from).resolve('@vigil/dashboard/package.json');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return null;
    throw error;
  }
  const dist = join(dirname(manifest), 'dist');
  return existsSync(join(dist, 'index.html')) ? dist : null;
}
