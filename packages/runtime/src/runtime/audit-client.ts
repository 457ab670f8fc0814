import { existsSync } from 'node:fs';

import type { AuditEntry } from '../core/audit-chain.js';
import type { Store } from '../store/store.js';
import type { AuditRecorder } from './audit-recorder.js';
import {
  readSignedHead,
  verifyAuditTrail,
  type AuditVerifyReport,
  type VerifyAuditOptions,
} from './audit-verification.js';

export interface AuditQuery {
  runId?: string;
  principal?: string;
  type?: string;
  /** Entries after this sequence number (the `next` of the previous page). */
  after?: number;
  /** 1–1000, default 100. */
  limit?: number;
}

export interface AuditPage {
  /** Oldest first, as stored: `at` in epoch ms, `data` as hashed, so anyone can recompute the chain. */
  entries: AuditEntry[];
  /** Pass as `after` for the next page; null when this page was the last. */
  next: number | null;
}

/** The audit trail as operators read it: entries by run, principal or type; verification. */
export class AuditClient {
  constructor(
    private readonly deps: {
      store: Store;
      recorder: AuditRecorder | undefined;
      headFile: string | null;
      /** The key this instance signs its head with; with `headFile`, {@link verifyAll} checks the head too. */
      signingKey?: string | null;
    },
  ) {}

  /** Where this instance writes the signed head; null without a signing key (truncation then goes unnoticed). */
  get headFile(): string | null {
    return this.deps.headFile;
  }

  /** Whether this instance records its events (`audit: false` turns it off). */
  get recording(): boolean {
    return this.deps.recorder !== undefined;
  }

  async list(query: AuditQuery = {}): Promise<AuditPage> {
    const limit = query.limit ?? 100;
    const entries = await this.deps.store.audit.list({
      ...(query.runId === undefined ? {} : { runId: query.runId }),
      ...(query.principal === undefined ? {} : { principal: query.principal }),
      ...(query.type === undefined ? {} : { type: query.type }),
      ...(query.after === undefined ? {} : { afterSeq: query.after }),
      limit,
    });
    return { entries, next: entries.length === limit ? entries.at(-1)!.seq : null };
  }

  /** Appends the entries this process recorded and has not appended yet. */
  async flush(): Promise<void> {
    await this.deps.recorder?.flush();
  }

  /**
   * Verifies the whole trail as `vigil audit verify` does, and, when this instance signs a head
   * and its file exists, that the trail still reaches it (so truncation is caught too). Reads
   * every entry once, a page at a time: the cost grows with the trail.
   */
  async verifyAll(): Promise<AuditVerifyReport & { headChecked: boolean }> {
    const { headFile, signingKey } = this.deps;
    const checkHead = headFile !== null && typeof signingKey === 'string' && existsSync(headFile);
    const report = checkHead
      ? await this.verify({ head: await readSignedHead(headFile), signingKey })
      : await this.verify();
    return { ...report, headChecked: checkHead };
  }

  /** Verifies the whole trail; see {@link verifyAuditTrail}. */
  verify(options?: VerifyAuditOptions): Promise<AuditVerifyReport> {
    return verifyAuditTrail(this.deps.store, options);
  }
}
