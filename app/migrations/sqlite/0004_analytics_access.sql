-- Personal API tokens and what analytics need on the request row (issue 4).

-- Tokens are shown once and stored only as a SHA-256 hash.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- A lead institution oversees others: 'country', 'sector:<sector>' or
-- 'municipality:<municipality>'. Its portfolio owners see analytics for that scope.
ALTER TABLE institutions ADD COLUMN lead_scope TEXT;

-- When a request was registered and how it was rated, on the row itself, so analytics
-- need not read the history.
ALTER TABLE requests ADD COLUMN registered_at INTEGER;
ALTER TABLE requests ADD COLUMN rating INTEGER;
UPDATE requests SET registered_at = (
    SELECT MIN(e.at) FROM request_events e WHERE e.request_id = requests.id AND e.action = 'register');
UPDATE requests SET rating = (SELECT f.score FROM feedback f WHERE f.request_id = requests.id);
