-- Agent memory is read by runs that did not write it, so a damaged value cannot be re-derived:
-- each row now carries the SHA-256 of (agent, key, value), written with it and checked on every
-- read. Rows written before this migration have none and are read as they are.
ALTER TABLE memory ADD COLUMN checksum TEXT;
