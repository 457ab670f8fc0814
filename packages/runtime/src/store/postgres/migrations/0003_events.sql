-- Events: what triggers and waits are made of. `dedupe_key` is the sender's id (the API's
-- `id`, a webhook's `webhook-id`): the same key is the same event.
CREATE TABLE events (
  id            TEXT COLLATE "C" PRIMARY KEY,
  name          TEXT NOT NULL,
  payload       TEXT NOT NULL,
  payload_hash  TEXT NOT NULL,
  dedupe_key    TEXT,
  source        TEXT NOT NULL,
  principal     TEXT,
  received_at   BIGINT NOT NULL,
  dispatched_at BIGINT
);
CREATE UNIQUE INDEX events_dedupe ON events (dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX events_name ON events (name, received_at);
CREATE INDEX events_undispatched ON events (received_at) WHERE dispatched_at IS NULL;

-- The runs an event started, or that received it in ctx.waitForEvent.
CREATE TABLE event_deliveries (
  event_id TEXT COLLATE "C" NOT NULL,
  run_id   TEXT COLLATE "C" NOT NULL,
  kind     TEXT NOT NULL,
  seq      INTEGER,
  at       BIGINT NOT NULL,
  PRIMARY KEY (event_id, run_id, kind)
);
CREATE INDEX event_deliveries_run ON event_deliveries (run_id);

-- Runs waiting in ctx.waitForEvent, written with the run's suspension.
CREATE TABLE event_waits (
  run_id   TEXT COLLATE "C" NOT NULL,
  seq      INTEGER NOT NULL,
  name     TEXT NOT NULL,
  match    TEXT,
  since    BIGINT NOT NULL,
  deadline BIGINT,
  PRIMARY KEY (run_id, seq)
);
CREATE INDEX event_waits_name ON event_waits (name);
