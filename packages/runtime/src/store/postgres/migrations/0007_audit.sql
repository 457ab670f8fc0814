-- The audit trail (issue 6): append-only entries, each chained to the one before by a SHA-256
-- hash over its canonical JSON (core/audit-chain.ts). `data` is that canonical JSON text, kept
-- verbatim (not jsonb, which would re-encode it) so the hash can be checked again. Numbered from
-- 1 with no gaps; writers append under a transaction-scoped advisory lock, so workers on many
-- machines never fork the chain.
CREATE TABLE audit_entries (
  seq        BIGINT PRIMARY KEY,
  at         BIGINT NOT NULL,
  type       TEXT NOT NULL,
  run_id     TEXT COLLATE "C",
  principal  TEXT,
  data       TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
-- GET /v1/audit?run=&principal=&type=, oldest first from a cursor.
CREATE INDEX audit_entries_run ON audit_entries (run_id, seq) WHERE run_id IS NOT NULL;
CREATE INDEX audit_entries_principal ON audit_entries (principal, seq) WHERE principal IS NOT NULL;
CREATE INDEX audit_entries_type ON audit_entries (type, seq);
-- The database refuses to change or remove an entry, truncation included. A superuser can still
-- disable these triggers; the hash chain (and the signed head) is what detects that.
CREATE FUNCTION audit_entries_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries
  FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
  FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_refuse();
