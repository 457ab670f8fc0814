-- API keys (issue 6). A row per key; `hash` is SHA-256 of the key's secret, never the key.
-- `created_by` and `revoked_by` are principals (`key:<id>`, `cli:<user>`). A key is refused once
-- `revoked_at` is set or `expires_at` has passed; rows are kept so lists and the audit trail can
-- still name them. `last_used_at` is written at most once a minute per key.
-- (`runs.principal`, who started a run, has been there since 0001.)
CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  role         TEXT NOT NULL,
  hash         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  created_by   TEXT,
  expires_at   INTEGER,
  revoked_at   INTEGER,
  revoked_by   TEXT,
  last_used_at INTEGER
) STRICT;
-- Lists, newest first.
CREATE INDEX api_keys_created ON api_keys (created_at, id);
