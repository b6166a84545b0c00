-- Partners and their ways in (issue 12): Open311 and API keys, webhooks through the outbox,
-- a request's location.

-- A partner system of an institution, known by its key (a keyed hash here; the key is
-- shown once). It may submit to, and hear about, the services listed for it.
CREATE TABLE partners (
    id              INTEGER PRIMARY KEY,
    institution_id  INTEGER NOT NULL REFERENCES institutions(id),
    name            TEXT NOT NULL,
    key_hash        TEXT NOT NULL UNIQUE,
    key_hint        TEXT NOT NULL,
    created_by      INTEGER REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER,
    revoked_at      INTEGER
);
CREATE INDEX partners_institution ON partners(institution_id);
CREATE TABLE partner_services (
    partner_id  INTEGER NOT NULL REFERENCES partners(id),
    service_id  INTEGER NOT NULL REFERENCES services(id),
    PRIMARY KEY (partner_id, service_id)
);

-- Where a partner wants to hear about events: `secret` is sealed with the server secret,
-- `events` a comma-separated list, `services` a comma-separated list of service codes
-- (each among the partner's).
CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    public_id   TEXT NOT NULL UNIQUE,
    partner_id  INTEGER NOT NULL REFERENCES partners(id),
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    events      TEXT NOT NULL,
    services    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    deleted_at  INTEGER
);
CREATE INDEX webhooks_partner ON webhooks(partner_id);

-- Where a request is about (Open311 and services that ask for a place), and which partner
-- sent it.
ALTER TABLE requests ADD COLUMN latitude REAL;
ALTER TABLE requests ADD COLUMN longitude REAL;
ALTER TABLE requests ADD COLUMN address TEXT;
-- Open311's token for a partner's request (a random public name, not the tracking code).
ALTER TABLE requests ADD COLUMN public_token TEXT;
CREATE UNIQUE INDEX requests_public_token ON requests(public_token);
ALTER TABLE requests ADD COLUMN partner_id INTEGER REFERENCES partners(id);
ALTER TABLE services ADD COLUMN asks_location INTEGER NOT NULL DEFAULT 0;

-- The outbox carries webhook deliveries too (and is ready for SMS): SQLite cannot change a
-- CHECK, so the table is rebuilt with the same rows. `event_id` is what a receiver sees on
-- every attempt of one delivery; `webhook_id` names its target.
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY,
    dedupe_key      TEXT NOT NULL UNIQUE,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'webhook')),
    request_id      INTEGER REFERENCES requests(id),
    user_id         INTEGER REFERENCES users(id),
    recipient       TEXT NOT NULL,
    lang            TEXT NOT NULL,
    template        TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    locked_until    INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    webhook_id      INTEGER REFERENCES webhooks(id),
    event_id        TEXT
);
INSERT INTO outbox_new (id, dedupe_key, channel, request_id, user_id, recipient, lang, template,
    subject, body_text, body_html, status, attempts, next_attempt_at, locked_until, last_error,
    created_at, sent_at)
SELECT id, dedupe_key, channel, request_id, user_id, recipient, lang, template,
    subject, body_text, body_html, status, attempts, next_attempt_at, locked_until, last_error,
    created_at, sent_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(channel, status, next_attempt_at);
CREATE INDEX outbox_request ON outbox(request_id);
CREATE INDEX outbox_webhook ON outbox(webhook_id, status);

