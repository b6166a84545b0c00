-- Security and privacy (issue 11).

-- Abuse limits: one counter per (limit, key, window), shared by every app server.
-- `key` is a client address or a hash of a user name or mail address, never the clear value
-- of a secret.
CREATE TABLE rate_limits (
    bucket        TEXT NOT NULL,
    key           TEXT NOT NULL,
    window_start  BIGINT NOT NULL,
    hits          BIGINT NOT NULL,
    PRIMARY KEY (bucket, key, window_start)
);
CREATE INDEX rate_limits_age ON rate_limits(window_start);

-- Sign-in failures are counted in rate_limits (per client and user name, atomically).
DROP TABLE sign_in_failures;

-- Sessions end after a quiet spell as well as at their absolute end; staff see where
-- they are signed in.
CREATE SEQUENCE sessions_id_seq;
ALTER TABLE sessions ADD COLUMN id BIGINT NOT NULL DEFAULT nextval('sessions_id_seq');
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN client_ip TEXT NOT NULL DEFAULT '';
UPDATE sessions SET last_seen_at = created_at;
CREATE UNIQUE INDEX sessions_id ON sessions(id);

-- API tokens end, and may be limited to reading analytics.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'full';

-- Idempotency records keep no tracking code (it is derived again from the server secret)
-- and expire after 24 hours; the key itself is kept only as a keyed hash.
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    key_hash    TEXT PRIMARY KEY,
    body_hash   TEXT NOT NULL,
    request_id  BIGINT NOT NULL REFERENCES requests(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX idempotency_keys_age ON idempotency_keys(created_at);
