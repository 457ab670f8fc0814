import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, expect, it } from 'vitest';

import { openStore } from '../../store/open-store.js';
import { corruptionDecisions, ledgerRecords } from './report-reading.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-report-reading-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('reads the ledger file, all of it or the records of some tools', () => {
  const ledgerFile = join(dir, 'ledger.jsonl');
  const lines = [
    { tool: 'bank.charge', key: 'r1:3', runId: 'r1', at: 1 },
    { tool: 'mail.sent', key: 'r1:4', runId: 'r1', at: 2 },
    { tool: 'bank.charge', key: 'r2:3', runId: 'r2', at: 3 },
  ];
  writeFileSync(ledgerFile, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  expect(ledgerRecords({ ledgerFile })).toEqual(lines);
  expect(ledgerRecords({ ledgerFile }, 'bank.charge').map((r) => r.key)).toEqual(['r1:3', 'r2:3']);
  expect(ledgerRecords({ ledgerFile }, ['mail.sent', 'sms.sent']).map((r) => r.key)).toEqual(['r1:4']);
});

it('lists the corruption decisions the audit trail holds, and only those', async () => {
  const database = join(dir, 'vigil.db');
  const store = openStore(database);
  await store.migrate();
  await store.audit.append(
    [
      { type: 'checkpoint.corrupted', runId: 'r1', principal: null, data: { seq: 2, action: 'rerun' } },
      { type: 'run.created', runId: 'r2', principal: null, data: {} },
      { type: 'checkpoint.corrupted', runId: 'r2', principal: null, data: { seq: 5, action: 'escalated' } },
    ],
    Date.now(),
  );
  await store.close();
  expect(await corruptionDecisions(database)).toEqual([
    { runId: 'r1', seq: 2, action: 'rerun' },
    { runId: 'r2', seq: 5, action: 'escalated' },
  ]);
});
