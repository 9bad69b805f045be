-- keys: one row per API key. The key string itself is never stored: only
-- the hex SHA-256 of the whole string. Times are Unix seconds, UTC.
CREATE TABLE keys (
	id                TEXT    PRIMARY KEY,         -- public id, 12 base62 characters
	alias             TEXT    NOT NULL UNIQUE,
	hash              TEXT    NOT NULL UNIQUE,     -- hex SHA-256 of the whole key string
	name              TEXT    NOT NULL,
	description       TEXT    NOT NULL DEFAULT '',
	owner             TEXT    NOT NULL DEFAULT '',
	roles             TEXT    NOT NULL DEFAULT '[]',    -- JSON array of role names
	scopes            TEXT    NOT NULL DEFAULT '["*"]', -- JSON array of scope names, or ["*"]
	masked            TEXT    NOT NULL,
	imported          INTEGER NOT NULL DEFAULT 0,
	ttl_seconds       INTEGER NOT NULL,
	token_ttl_seconds INTEGER NOT NULL,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL,
	expires_at        INTEGER NOT NULL,
	last_used_at      INTEGER,
	revoked_at        INTEGER,
	revoke_reason     TEXT
) STRICT;

CREATE INDEX keys_expires_at ON keys (expires_at);
CREATE INDEX keys_created_at ON keys (created_at);

-- scopes: the registry of permission names a key may be given.
CREATE TABLE scopes (
	name        TEXT    PRIMARY KEY,
	description TEXT    NOT NULL DEFAULT '',
	admin_only  INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
) STRICT;

-- tokens: short-lived credentials minted from a key. revoked_at is set
-- when their key is revoked, so that reactivating the key does not bring
-- them back.
CREATE TABLE tokens (
	id         TEXT    PRIMARY KEY,
	key_id     TEXT    NOT NULL REFERENCES keys (id) ON DELETE CASCADE,
	hash       TEXT    NOT NULL UNIQUE,
	scopes     TEXT    NOT NULL,  -- JSON array of scope names
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	revoked_at INTEGER
) STRICT;

CREATE INDEX tokens_key_id ON tokens (key_id, expires_at);
