import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import type { Vigil } from '../compose.js';
import { DEV_KEY_FILE } from './api-client.js';
import { cliUserPrincipal } from './os-user.js';

/** The name of the key `vigil dev` makes; older keys of this name are revoked at each start. */
export const DEV_KEY_NAME = 'vigil dev';

/**
 * Where `vigil dev` writes its key: `dev-api-key` beside the SQLite file (so
 * `.vigil/dev-api-key` by default, which client commands in the same directory read), or
 * `.vigil/dev-api-key` here for a database that is not a file.
 */
export function devKeyFile(database: string, cwd: string = process.cwd()): string {
  const setting = database.trim();
  if (/^postgres(ql)?:\/\//i.test(setting)) return join(cwd, DEV_KEY_FILE);
  const path = setting.replace(/^sqlite:(\/\/)?/i, '');
  if (path === ':memory:') return join(cwd, DEV_KEY_FILE);
  return join(dirname(resolve(cwd, path)), 'dev-api-key');
}

/**
 * `vigil dev`'s admin key: a new one at each start, the previous ones of that name revoked (a
 * key left in an old terminal stops working), written to {@link devKeyFile} readable by its
 * owner only.
 */
export async function createDevKey(vigil: Vigil, database: string): Promise<{ key: string; file: string }> {
  const principal = cliUserPrincipal();
  await vigil.keys.revokeNamed(DEV_KEY_NAME, principal);
  const { key } = await vigil.keys.create({ role: 'admin', name: DEV_KEY_NAME, principal });
  const file = devKeyFile(database);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  // The mode above applies only to a new file; an old one keeps its mode unless set again.
  chmodSync(file, 0o600);
  return { key, file };
}
