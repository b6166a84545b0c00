-- Administration in the browser (issue 9): the audit log of configuration changes, and
-- one-time account links (invitations, password resets).

-- Every change to configuration: who, when, what, before and after. Append-only, as the
-- request history is.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    -- NULL with actor_kind 'cli' or 'system': the command line or an automated step.
    actor_user_id  INTEGER REFERENCES users(id),
    actor_kind     TEXT NOT NULL CHECK (actor_kind IN ('staff', 'cli', 'system')),
    institution_id INTEGER REFERENCES institutions(id),
    entity         TEXT NOT NULL,
    entity_key     TEXT NOT NULL,
    action         TEXT NOT NULL,
    before_json    TEXT,
    after_json     TEXT
);
CREATE INDEX audit_log_institution ON audit_log(institution_id, id);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_key);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- A link sent by e-mail that lets one person set their password once: an invitation
-- (72 hours) or a reset. Only the hash of the token is kept.
CREATE TABLE account_links (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX account_links_user ON account_links(user_id);
