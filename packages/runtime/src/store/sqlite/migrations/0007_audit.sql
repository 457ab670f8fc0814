-- The audit trail (issue 6): append-only entries, each chained to the one before by a SHA-256
-- hash over its canonical JSON (core/audit-chain.ts). `data` is that canonical JSON text, kept
-- verbatim so the hash can be checked again. Numbered from 1 with no gaps; the writer appends
-- under SQLite's write lock, so two processes never fork the chain.
CREATE TABLE audit_entries (
  seq        INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  type       TEXT NOT NULL,
  run_id     TEXT,
  principal  TEXT,
  data       TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
) STRICT;
-- GET /v1/audit?run=&principal=&type=, oldest first from a cursor.
CREATE INDEX audit_entries_run ON audit_entries (run_id, seq) WHERE run_id IS NOT NULL;
CREATE INDEX audit_entries_principal ON audit_entries (principal, seq) WHERE principal IS NOT NULL;
CREATE INDEX audit_entries_type ON audit_entries (type, seq);
-- The database refuses to change or remove an entry. Someone with the file can still drop these
-- triggers; the hash chain (and the signed head) is what detects that.
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN
  SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE refused');
END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN
  SELECT RAISE(ABORT, 'audit entries are append-only: DELETE refused');
END;
