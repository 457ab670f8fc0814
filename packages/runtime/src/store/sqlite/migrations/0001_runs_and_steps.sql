-- Runs: the queue and the lease live on the run row. A claimable run has ready_at set; a
-- leased run has lease_owner set; a finished run has neither. lease_epoch only ever grows.
CREATE TABLE runs (
  id               TEXT PRIMARY KEY,
  workflow         TEXT NOT NULL,
  version          INTEGER NOT NULL,
  status           TEXT NOT NULL,
  input            TEXT NOT NULL,
  input_checksum   TEXT NOT NULL,
  input_hash       TEXT NOT NULL,
  output           TEXT,
  error            TEXT,
  idempotency_key  TEXT,
  principal        TEXT,
  attempt          INTEGER NOT NULL DEFAULT 0,
  ready_at         INTEGER,
  lease_owner      TEXT,
  lease_epoch      INTEGER NOT NULL DEFAULT 0,
  lease_expires_at INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  finished_at      INTEGER
) STRICT;

-- Partial indexes: a run without a key, not ready or not leased costs no entry in them.
CREATE UNIQUE INDEX runs_idempotency_key ON runs (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX runs_ready ON runs (ready_at) WHERE ready_at IS NOT NULL;
CREATE INDEX runs_lease_expiry ON runs (lease_expires_at) WHERE lease_owner IS NOT NULL;
CREATE INDEX runs_status ON runs (status, id);
CREATE INDEX runs_workflow ON runs (workflow, id);

-- Steps: one row per step of a run, written when it starts and again with its outcome.
-- No foreign key: every write is fenced by a lookup of the run's lease in the same transaction.
-- WITHOUT ROWID: rows live in the primary-key b-tree, so a step write touches one b-tree, not two.
CREATE TABLE steps (
  run_id     TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  name       TEXT NOT NULL,
  kind       TEXT NOT NULL,
  status     TEXT NOT NULL,
  attempts   INTEGER NOT NULL,
  output     TEXT,
  error      TEXT,
  checksum   TEXT NOT NULL,
  wake_at    INTEGER,
  started_at INTEGER NOT NULL,
  ended_at   INTEGER,
  PRIMARY KEY (run_id, seq)
) STRICT, WITHOUT ROWID;
