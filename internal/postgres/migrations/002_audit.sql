-- A rotated key's previous string: the hash of the string it replaced,
-- and when that one stops verifying (Unix seconds; never after the key's
-- expires_at). Kept after its grace, so that it then verifies as EXPIRED
-- rather than unknown; the next rotation replaces it.
ALTER TABLE keys ADD COLUMN previous_hash text COLLATE "C" UNIQUE;
ALTER TABLE keys ADD COLUMN previous_valid_until bigint;

-- The operator's labels: a JSON object of strings, as text so that it is
-- stored as written.
ALTER TABLE keys ADD COLUMN meta text NOT NULL DEFAULT '{}';

-- events: the audit log, one row per change, written in the change's own
-- transaction. seq counts up from 1 without gaps; hash is the hex SHA-256
-- of the previous event's hash and this event's canonical form.
CREATE TABLE events (
	seq     bigint PRIMARY KEY,
	at      bigint NOT NULL,  -- Unix seconds, UTC
	actor   text   NOT NULL,
	action  text   NOT NULL,
	key_id  text   COLLATE "C",  -- NULL for scope events
	alias   text   COLLATE "C",
	details text   NOT NULL,     -- JSON object, as written
	hash    text   NOT NULL
);
