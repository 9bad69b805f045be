-- A rotated key's previous string: the hash of the string it replaced,
-- and when that one stops verifying (Unix seconds; never after the key's
-- expires_at). Kept after its grace, so that it then verifies as EXPIRED
-- rather than unknown; the next rotation replaces it.
ALTER TABLE keys ADD COLUMN previous_hash TEXT;
ALTER TABLE keys ADD COLUMN previous_valid_until INTEGER;
CREATE UNIQUE INDEX keys_previous_hash ON keys (previous_hash);

-- The operator's labels: a JSON object of string values.
ALTER TABLE keys ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';

-- events: the audit log, one row per change, written in the change's own
-- transaction. seq counts up from 1 without gaps; hash is the hex SHA-256
-- of the previous event's hash and this event's canonical form.
CREATE TABLE events (
	seq     INTEGER PRIMARY KEY,
	at      INTEGER NOT NULL,  -- Unix seconds, UTC
	actor   TEXT    NOT NULL,
	action  TEXT    NOT NULL,
	key_id  TEXT,              -- NULL for scope events
	alias   TEXT,
	details TEXT    NOT NULL,  -- JSON object
	hash    TEXT    NOT NULL
) STRICT;

-- No index on key_id: `keyward log ALIAS` reads the log through, and a
-- bulk write does not pay for a second B-tree per event.
