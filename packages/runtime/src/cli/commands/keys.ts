import { createVigil, type Vigil } from '../../compose.js';
import type { ApiKeyView } from '../../runtime/key-client.js';
import { createLogger } from '../../runtime/pino-logger.js';
import { DEFAULT_DATABASE } from '../../store/open-store.js';
import { cliUserPrincipal } from '../os-user.js';
import { formatTable, printJson, type OutputFormat } from '../output.js';

/**
 * `vigil keys …` work on the database directly (`--db`, like `vigil migrate`), not through the
 * API: the first key of a deployment needs no key to make. The principal is `cli:<os user>`.
 */
export interface KeysCommandOptions {
  db?: string;
  output: OutputFormat;
}

async function withVigil<T>(db: string | undefined, work: (vigil: Vigil) => Promise<T>): Promise<T> {
  const vigil = createVigil({
    database: db ?? process.env['VIGIL_DATABASE_URL'] ?? DEFAULT_DATABASE,
    logger: createLogger(),
    notifications: false,
    scheduler: false,
  });
  try {
    await vigil.ready();
    return await work(vigil);
  } finally {
    await vigil.close();
  }
}

export async function createKeyCommand(
  options: KeysCommandOptions & { role: string; name?: string; expires?: string },
): Promise<void> {
  const created = await withVigil(options.db, (vigil) =>
    vigil.keys.create({
      role: options.role,
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.expires === undefined ? {} : { expires: options.expires }),
      principal: cliUserPrincipal(),
    }),
  );
  if (options.output === 'json') return printJson(created);
  const expiry = created.expiresAt ? `, expires ${created.expiresAt}` : ', does not expire';
  process.stdout.write(
    `Created API key ${created.id} (${created.role}, "${created.name}"${expiry}):\n\n  ${created.key}\n\n` +
      'It is not shown again: store it now, e.g. as VIGIL_API_KEY.\n',
  );
}

export async function listKeysCommand(options: KeysCommandOptions): Promise<void> {
  const keys = await withVigil(options.db, (vigil) => vigil.keys.list());
  if (options.output === 'json') return printJson({ keys });
  process.stdout.write(`${formatKeyList(keys)}\n`);
}

export async function revokeKeyCommand(id: string, options: KeysCommandOptions): Promise<void> {
  const key = await withVigil(options.db, (vigil) => vigil.keys.revoke(id, cliUserPrincipal()));
  if (options.output === 'json') return printJson(key);
  process.stdout.write(`API key ${key.id} ("${key.name}") is revoked since ${key.revokedAt}\n`);
}

export function formatKeyList(keys: ApiKeyView[]): string {
  if (keys.length === 0) return 'No API keys. Create one: vigil keys create --role admin';
  const rows = [['ID', 'NAME', 'ROLE', 'STATUS', 'CREATED', 'EXPIRES', 'LAST USED']];
  for (const key of keys) {
    rows.push([key.id, key.name, key.role, key.status, key.createdAt, key.expiresAt ?? '-', key.lastUsedAt ?? '-']);
  }
  return formatTable(rows);
}
