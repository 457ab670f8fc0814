-- Cron schedules: declared by a workflow (origin 'workflow', id = the workflow's name) or added
-- through the API (origin 'api'). `next_slot_at` is the first slot not handled yet (null once
-- the expression never fires again); `next_fire_at` is it plus the slot's jitter, when it is
-- due. A scheduler claims a due schedule (`claim_owner` until `claim_expires_at`), starts the
-- runs of its slots, and releases it with the next slot.
CREATE TABLE schedules (
  id                 TEXT PRIMARY KEY,
  workflow           TEXT NOT NULL,
  cron               TEXT NOT NULL,
  timezone           TEXT NOT NULL,
  jitter_ms          INTEGER NOT NULL,
  overlap            TEXT NOT NULL,
  catch_up           TEXT NOT NULL,
  catch_up_window_ms INTEGER NOT NULL,
  input              TEXT NOT NULL,
  paused             INTEGER NOT NULL DEFAULT 0,
  origin             TEXT NOT NULL,
  next_slot_at       INTEGER,
  next_fire_at       INTEGER,
  buffered_slot_at   INTEGER,
  last_slot_at       INTEGER,
  last_run_id        TEXT,
  claim_owner        TEXT,
  claim_expires_at   INTEGER,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
) STRICT;
-- The due query: schedules not paused whose fire time passed, or that hold a buffered slot.
CREATE INDEX schedules_due ON schedules (next_fire_at) WHERE paused = 0;
CREATE INDEX schedules_buffered ON schedules (buffered_slot_at) WHERE buffered_slot_at IS NOT NULL AND paused = 0;
-- Lists, newest first, of all schedules or one workflow's.
CREATE INDEX schedules_created ON schedules (created_at, id);
CREATE INDEX schedules_workflow ON schedules (workflow, created_at, id);
