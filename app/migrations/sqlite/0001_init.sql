-- Taka schema, SQLite dialect. Times are Unix seconds (UTC) in INTEGER columns so that
-- the same queries run on PostgreSQL (BIGINT) without conversion.

CREATE TABLE institutions (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL CHECK (kind IN ('state', 'municipality')),
    sector        TEXT,
    municipality  TEXT,
    created_at    INTEGER NOT NULL
);

-- Names and other texts per language: a new language is new rows, not new columns.
CREATE TABLE institution_texts (
    institution_id INTEGER NOT NULL REFERENCES institutions(id),
    lang           TEXT NOT NULL,
    name           TEXT NOT NULL,
    PRIMARY KEY (institution_id, lang)
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    email          TEXT,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('provider', 'owner', 'portfolio_owner', 'admin')),
    institution_id INTEGER NOT NULL REFERENCES institutions(id),
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL
);

CREATE TABLE services (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    institution_id  INTEGER NOT NULL REFERENCES institutions(id),
    owner_user_id   INTEGER REFERENCES users(id),
    sla_days        INTEGER NOT NULL,
    fields_json     TEXT NOT NULL,
    auto_register   INTEGER NOT NULL DEFAULT 0,
    active          INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL
);
CREATE INDEX services_institution ON services(institution_id);

CREATE TABLE service_texts (
    service_id   INTEGER NOT NULL REFERENCES services(id),
    lang         TEXT NOT NULL,
    name         TEXT NOT NULL,
    summary      TEXT NOT NULL,
    description  TEXT NOT NULL,
    conditions   TEXT NOT NULL,
    documents_json TEXT NOT NULL,
    PRIMARY KEY (service_id, lang)
);

CREATE TABLE life_situations (
    id    INTEGER PRIMARY KEY,
    code  TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE life_situation_texts (
    life_situation_id INTEGER NOT NULL REFERENCES life_situations(id),
    lang  TEXT NOT NULL,
    name  TEXT NOT NULL,
    PRIMARY KEY (life_situation_id, lang)
);
CREATE TABLE service_life_situations (
    service_id        INTEGER NOT NULL REFERENCES services(id),
    life_situation_id INTEGER NOT NULL REFERENCES life_situations(id),
    PRIMARY KEY (service_id, life_situation_id)
);

-- Which services a provider or service owner works on.
CREATE TABLE user_services (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    service_id INTEGER NOT NULL REFERENCES services(id),
    PRIMARY KEY (user_id, service_id)
);
CREATE INDEX user_services_service ON user_services(service_id);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE requests (
    id              INTEGER PRIMARY KEY,
    reference       TEXT NOT NULL UNIQUE,
    tracking_hash   TEXT NOT NULL,
    service_id      INTEGER NOT NULL REFERENCES services(id),
    institution_id  INTEGER NOT NULL REFERENCES institutions(id),
    channel         TEXT NOT NULL,
    lang            TEXT NOT NULL,
    contact_name    TEXT NOT NULL,
    contact_email   TEXT,
    contact_phone   TEXT,
    values_json     TEXT NOT NULL,
    status          TEXT NOT NULL,
    assignee_id     INTEGER REFERENCES users(id),
    decision        TEXT,
    decision_reason TEXT,
    result          TEXT,
    created_by      INTEGER REFERENCES users(id),
    submitted_at    INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    due_at          INTEGER NOT NULL,
    decided_at      INTEGER,
    fulfilled_at    INTEGER,
    closed_at       INTEGER,
    version         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX requests_service_status ON requests(service_id, status, submitted_at);
CREATE INDEX requests_institution_status ON requests(institution_id, status, submitted_at);
CREATE INDEX requests_assignee ON requests(assignee_id, status);
CREATE INDEX requests_submitted ON requests(submitted_at);

-- Append-only history: one row per event, never updated or deleted.
CREATE TABLE request_events (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER NOT NULL REFERENCES requests(id),
    at              INTEGER NOT NULL,
    actor_kind      TEXT NOT NULL,
    actor_user_id   INTEGER REFERENCES users(id),
    action          TEXT NOT NULL,
    from_status     TEXT,
    to_status       TEXT NOT NULL,
    comment         TEXT,
    visible_to_requester INTEGER NOT NULL
);
CREATE INDEX request_events_request ON request_events(request_id, id);

CREATE TABLE feedback (
    request_id  INTEGER PRIMARY KEY REFERENCES requests(id),
    score       INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment     TEXT,
    at          INTEGER NOT NULL
);

CREATE TABLE idempotency_keys (
    key         TEXT PRIMARY KEY,
    body_hash   TEXT NOT NULL,
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    tracking_code TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TRIGGER request_events_no_update BEFORE UPDATE ON request_events
BEGIN SELECT RAISE(ABORT, 'request_events is append-only'); END;
CREATE TRIGGER request_events_no_delete BEFORE DELETE ON request_events
BEGIN SELECT RAISE(ABORT, 'request_events is append-only'); END;
