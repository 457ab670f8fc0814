-- The lines a run's code logged, per step (`seq` 0: the workflow code outside any step), for
-- the dashboard's step panel. `fields` is JSON text, redacted before it is written. Capped per
-- step attempt by the writer; `id` orders the lines of a run.
CREATE TABLE step_logs (
  id      BIGSERIAL PRIMARY KEY,
  run_id  TEXT COLLATE "C" NOT NULL,
  seq     INTEGER NOT NULL,
  step    TEXT,
  attempt INTEGER,
  at      BIGINT NOT NULL,
  level   TEXT NOT NULL,
  msg     TEXT NOT NULL,
  fields  TEXT NOT NULL
);
CREATE INDEX step_logs_by_run ON step_logs (run_id, seq, id);
