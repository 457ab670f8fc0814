-- Agent memory (`ctx.memory.agent()`): one row per (agent, key), last write wins. `value` is
-- JSON text, NULL once deleted (the row stays so `version` keeps counting up); `writer` is the
-- step (`<runId>:<seq>`) that wrote it last, so the same write sent twice keeps its version.
CREATE TABLE memory (
  agent      TEXT NOT NULL,
  key        TEXT NOT NULL,
  value      TEXT,
  version    INTEGER NOT NULL,
  writer     TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (agent, key)
) STRICT;
