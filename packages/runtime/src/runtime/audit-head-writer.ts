import { randomBytes } from 'node:crypto';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

import { signHead, type SignedHead } from '../core/audit-chain.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/store.js';

/** The signed head as written to its file: the chain's last entry, when, and the HMAC over both. */
export interface SignedHeadFile extends SignedHead {
  /** When it was written (epoch ms). */
  at: number;
}

export interface AuditHeadWriterDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Kept outside the database: whoever can rewrite the trail must not be able to sign its head. */
  signingKey: string;
  file: string;
  intervalMs: number;
  ready: Promise<void>;
}

/**
 * Writes the signed head of the audit trail to a file every `intervalMs` and on close, so a
 * trail cut short later is caught by `vigil audit verify --head`: the chain must still reach
 * that entry with that hash. The file is replaced atomically (a temporary file, synced, then
 * renamed), so a reader never sees half a head. Several processes on one database may each
 * write it; any head they write names an entry the trail holds.
 */
export class AuditHeadWriter {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private lastWritten: string | null = null;

  constructor(private readonly deps: AuditHeadWriterDeps) {}

  get file(): string {
    return this.deps.file;
  }

  /** The key the head is signed with, for verifying the head this process wrote. */
  get signingKey(): string {
    return this.deps.signingKey;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Writes the current head if it changed since the last write; returns what is in the file. */
  async write(): Promise<SignedHeadFile | null> {
    const head = await this.deps.store.audit.head();
    if (head === null || head.hash === this.lastWritten) return null;
    const signed: SignedHeadFile = { ...signHead(head, this.deps.signingKey), at: this.deps.clock.now() };
    await writeFileAtomically(this.deps.file, `${JSON.stringify(signed, null, 2)}\n`);
    this.lastWritten = head.hash;
    return signed;
  }

  /** Stops the timer and writes the head once more (call after the last entries were appended). */
  async close(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    try {
      await this.write();
    } catch (error) {
      this.deps.logger.error('could not write the signed audit head on close', {
        file: this.deps.file,
        error: String(error),
      });
    }
  }

  private async run(): Promise<void> {
    await this.deps.ready.catch(() => undefined);
    while (!this.stopping.signal.aborted) {
      await this.deps.clock.sleep(this.deps.intervalMs, this.stopping.signal);
      if (this.stopping.signal.aborted) return;
      try {
        await this.write();
      } catch (error) {
        this.deps.logger.error('could not write the signed audit head', { file: this.deps.file, error: String(error) });
      }
    }
  }
}

async function writeFileAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'w', 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}
