-- Agent memory (`ctx.memory.agent()`): one row per (agent, key), last write wins. `value` is
-- JSON text, NULL once deleted (the row stays so `version` keeps counting up); `writer` is the
-- step (`<runId>:<seq>`) that wrote it last, so the same write sent twice keeps its version.
CREATE TABLE memory (
  agent      TEXT COLLATE "C" NOT NULL,
  key        TEXT COLLATE "C" NOT NULL,
  value      TEXT,
  version    BIGINT NOT NULL,
  writer     TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (agent, key)
);
