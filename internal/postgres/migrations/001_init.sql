-- keys: one row per API key. The key string itself is never stored: only
-- the hex SHA-256 of the whole string. Times are Unix seconds, UTC, as in
-- the SQLite schema, so that one description serves both. Text that keyward
-- sorts or looks up is in the "C" collation: byte order, as on SQLite.
CREATE TABLE keys (
	seq               bigint  GENERATED ALWAYS AS IDENTITY,        -- insertion order
	id                text    COLLATE "C" PRIMARY KEY,             -- public id, 12 base62 characters
	alias             text    COLLATE "C" NOT NULL UNIQUE,
	hash              text    COLLATE "C" NOT NULL UNIQUE,         -- hex SHA-256 of the whole key string
	name              text    NOT NULL,
	description       text    NOT NULL DEFAULT '',
	owner             text    COLLATE "C" NOT NULL DEFAULT '',
	roles             text[]  NOT NULL DEFAULT '{}',
	scopes            text[]  NOT NULL DEFAULT '{*}',              -- scope names, or {*}
	masked            text    NOT NULL,
	imported          boolean NOT NULL DEFAULT false,
	ttl_seconds       bigint  NOT NULL,
	token_ttl_seconds bigint  NOT NULL,
	created_at        bigint  NOT NULL,
	updated_at        bigint  NOT NULL,
	expires_at        bigint  NOT NULL,
	last_used_at      bigint,
	revoked_at        bigint,
	revoke_reason     text
);

CREATE INDEX keys_expires_at ON keys (expires_at);
CREATE INDEX keys_created_at ON keys (created_at, seq);

-- scopes: the registry of permission names a key may be given.
CREATE TABLE scopes (
	name        text    COLLATE "C" PRIMARY KEY,
	description text    NOT NULL DEFAULT '',
	admin_only  boolean NOT NULL DEFAULT false,
	created_at  bigint  NOT NULL
);

-- tokens: short-lived credentials minted from a key. revoked_at is set
-- when their key is revoked, so that reactivating the key does not bring
-- them back.
CREATE TABLE tokens (
	id         text   COLLATE "C" PRIMARY KEY,
	key_id     text   COLLATE "C" NOT NULL REFERENCES keys (id) ON DELETE CASCADE,
	hash       text   COLLATE "C" NOT NULL UNIQUE,
	scopes     text[] NOT NULL,
	created_at bigint NOT NULL,
	expires_at bigint NOT NULL,
	revoked_at bigint
);

CREATE INDEX tokens_key_id ON tokens (key_id, expires_at);
