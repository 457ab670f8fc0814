import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';

import type { SignedHead } from '../../core/audit-chain.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { checkAuditKey, defaultAuditHeadFile, defaultAuditKeyFile } from '../../runtime/audit-options.js';
import { readSignedHead, verifyAuditTrail } from '../../runtime/audit-verification.js';
import { createLogger } from '../../runtime/pino-logger.js';
import { DEFAULT_DATABASE, openStore } from '../../store/open-store.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Store } from '../../store/store.js';
import { printJson, type OutputFormat } from '../output.js';

export interface VerifyAuditCommandOptions {
  db?: string;
  head?: string;
  keyFile?: string;
  output: OutputFormat;
}

export interface ExportAuditCommandOptions {
  db?: string;
  out?: string;
  run?: string;
  type?: string;
  principal?: string;
}

async function withStore<T>(db: string | undefined, use: (store: Store) => Promise<T>): Promise<T> {
  const store = openStore(db ?? process.env['VIGIL_DATABASE_URL'] ?? DEFAULT_DATABASE, { logger: createLogger() });
  try {
    await store.migrate();
    return await use(store);
  } finally {
    await store.close();
  }
}

/**
 * `vigil audit verify`: checks the whole chain on the database, page by page, and with a signed
 * head that the trail still reaches it. Exit 1 naming the first bad entry.
 *
 * The head: `--head`, else `VIGIL_AUDIT_HEAD_FILE`, else `audit-head.json` beside the SQLite file
 * if it exists. The key: `--key-file`, else `VIGIL_AUDIT_KEY`, else the `audit-key` that `vigil
 * dev` keeps beside the SQLite file, if it exists.
 */
export async function verifyAuditCommand(options: VerifyAuditCommandOptions): Promise<void> {
  await withStore(options.db, async (store) => {
    const sqliteFile = store instanceof SqliteStore ? store.file : null;
    const { head, headFile } = await findHead(options.head, sqliteFile);
    const signingKey = findKey(options.keyFile, sqliteFile);
    if (head && signingKey === undefined && options.head !== undefined) {
      throw new InvalidArgumentError('Checking --head needs the audit key: set VIGIL_AUDIT_KEY or pass --key-file');
    }
    const checkHead = head !== undefined && signingKey !== undefined;
    const report = await verifyAuditTrail(store, checkHead ? { head, signingKey } : {});
    if (!report.ok) process.exitCode = 1;
    if (options.output === 'json') return printJson({ ...report, headFile: checkHead ? headFile : null });
    if (!report.ok) {
      process.stdout.write(`Audit trail BROKEN at entry ${report.seq} (${report.damage}): ${report.reason}\n`);
      return;
    }
    const last = report.lastSeq === null ? 'no entries' : `${report.count} entries, last entry ${report.lastSeq}`;
    const headLine = report.head
      ? `signed head at entry ${report.head.seq} verified (${headFile})`
      : head
        ? `signed head ${headFile} not checked: no audit key`
        : 'no signed head checked, so a truncated trail would not be detected';
    process.stdout.write(`Audit trail OK: ${last}; ${headLine}\n`);
  });
}

async function findHead(
  explicit: string | undefined,
  sqliteFile: string | null,
): Promise<{ head?: SignedHead; headFile?: string }> {
  const headFile = explicit ?? (process.env['VIGIL_AUDIT_HEAD_FILE'] || defaultAuditHeadFile(sqliteFile));
  if (explicit === undefined && !existsSync(headFile)) return {};
  return { head: await readSignedHead(headFile), headFile };
}

function findKey(keyFile: string | undefined, sqliteFile: string | null): string | undefined {
  if (keyFile !== undefined) return checkAuditKey(readFileSync(keyFile, 'utf8').trim(), '--key-file');
  const env = process.env['VIGIL_AUDIT_KEY'];
  if (env) return checkAuditKey(env.trim(), 'VIGIL_AUDIT_KEY');
  const devKey = defaultAuditKeyFile(sqliteFile);
  return existsSync(devKey) ? checkAuditKey(readFileSync(devKey, 'utf8').trim(), devKey) : undefined;
}

/** `vigil audit export`: the entries (all, or of a run, type or principal) as JSON lines, oldest first. */
export async function exportAuditCommand(options: ExportAuditCommandOptions): Promise<void> {
  await withStore(options.db, async (store) => {
    const out: Writable = options.out ? createWriteStream(options.out) : process.stdout;
    const filter = {
      ...(options.run === undefined ? {} : { runId: options.run }),
      ...(options.type === undefined ? {} : { type: options.type }),
      ...(options.principal === undefined ? {} : { principal: options.principal }),
    };
    try {
      for (let afterSeq = 0; ;) {
        const page = await store.audit.list({ ...filter, afterSeq, limit: 1000 });
        for (const entry of page) {
          if (!out.write(`${JSON.stringify(entry)}\n`)) await once(out, 'drain');
        }
        if (page.length < 1000) break;
        afterSeq = page.at(-1)!.seq;
      }
    } finally {
      if (out !== process.stdout) {
        out.end();
        await once(out, 'finish');
      }
    }
  });
}
