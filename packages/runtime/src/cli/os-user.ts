import { userInfo } from 'node:os';

import { cliPrincipal, type Principal } from '../governance/principal.js';

/**
 * `cli:<os user>`: the principal of a command that works on the database directly. The user
 * comes from the OS; `USER`/`USERNAME` when the OS has no entry for it (some containers).
 */
export function cliUserPrincipal(): Principal {
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    user = process.env['USER'] ?? process.env['USERNAME'];
  }
  return cliPrincipal(user && user.length > 0 ? user : 'unknown');
}
