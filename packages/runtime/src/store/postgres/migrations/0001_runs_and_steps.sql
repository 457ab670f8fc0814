-- Runs: the queue and the lease live on the run row. A claimable run has ready_at set; a
-- leased run has lease_owner set; a finished run has neither. lease_epoch only ever grows.
-- Times are epoch milliseconds (BIGINT), as in the SQLite dialect; ids sort bytewise (COLLATE "C").
CREATE TABLE runs (
  id               TEXT COLLATE "C" PRIMARY KEY,
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
  ready_at         BIGINT,
  lease_owner      TEXT,
  lease_epoch      BIGINT NOT NULL DEFAULT 0,
  lease_expires_at BIGINT,
  created_at       BIGINT NOT NULL,
  updated_at       BIGINT NOT NULL,
  finished_at      BIGINT
);

-- Partial indexes: a run without a key, not ready or not leased costs no entry in them.
CREATE UNIQUE INDEX runs_idempotency_key ON runs (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX runs_ready ON runs (ready_at) WHERE ready_at IS NOT NULL;
CREATE INDEX runs_lease_expiry ON runs (lease_expires_at) WHERE lease_owner IS NOT NULL;
CREATE INDEX runs_status ON runs (status, id);
CREATE INDEX runs_workflow ON runs (workflow, id);

-- Steps: one row per step of a run, written when it starts and again with its outcome.
-- No foreign key: every write is fenced by the run's lease in the same statement.
CREATE TABLE steps (
  run_id     TEXT COLLATE "C" NOT NULL,
  seq        INTEGER NOT NULL,
  name       TEXT NOT NULL,
  kind       TEXT NOT NULL,
  status     TEXT NOT NULL,
  attempts   INTEGER NOT NULL,
  output     TEXT,
  error      TEXT,
  checksum   TEXT NOT NULL,
  wake_at    BIGINT,
  started_at BIGINT NOT NULL,
  ended_at   BIGINT,
  PRIMARY KEY (run_id, seq)
);
