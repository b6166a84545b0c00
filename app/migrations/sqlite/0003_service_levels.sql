-- Service levels, business calendars and notifications (issue 3).

-- Business calendars are data: an administrator edits days; another country is more rows.
CREATE TABLE calendars (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    time_zone   TEXT NOT NULL,
    -- Working hours Monday..Sunday, e.g. ["08:30-17:00", ..., null, null].
    week_json   TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
-- Exceptions to the week: public holidays (and moved ones) and transferred working days.
CREATE TABLE calendar_days (
    calendar_id INTEGER NOT NULL REFERENCES calendars(id),
    day         TEXT NOT NULL,            -- YYYY-MM-DD, local
    kind        TEXT NOT NULL CHECK (kind IN ('holiday', 'working')),
    hours       TEXT,                     -- HH:MM-HH:MM for working days
    note        TEXT,
    PRIMARY KEY (calendar_id, day)
);
ALTER TABLE institutions ADD COLUMN calendar_id INTEGER REFERENCES calendars(id);

-- Targets per service: time to register (working hours), to decide and to fulfil
-- (working days), and the share of requests that must meet them (percent).
ALTER TABLE services ADD COLUMN sla_register_hours INTEGER NOT NULL DEFAULT 8;
ALTER TABLE services ADD COLUMN sla_decide_days INTEGER NOT NULL DEFAULT 10;
ALTER TABLE services ADD COLUMN sla_fulfil_days INTEGER NOT NULL DEFAULT 10;
ALTER TABLE services ADD COLUMN sla_target_pct INTEGER NOT NULL DEFAULT 95;
UPDATE services SET sla_decide_days = (sla_days + 1) / 2, sla_fulfil_days = sla_days / 2;
ALTER TABLE services DROP COLUMN sla_days;

-- The service-level clock of the stage a request is in (NULL stage: no clock runs).
ALTER TABLE requests ADD COLUMN sla_stage TEXT;
ALTER TABLE requests ADD COLUMN stage_started_at INTEGER;
ALTER TABLE requests ADD COLUMN stage_due_at INTEGER;
ALTER TABLE requests ADD COLUMN stage_budget INTEGER;       -- working seconds of the stage
ALTER TABLE requests ADD COLUMN risk_at INTEGER;            -- 80 % of the budget used
ALTER TABLE requests ADD COLUMN paused_at INTEGER;          -- waiting for the requester
ALTER TABLE requests ADD COLUMN paused_remaining INTEGER;   -- working seconds left at pause
ALTER TABLE requests ADD COLUMN sla_alert INTEGER NOT NULL DEFAULT 0; -- 1 at risk, 2 breached (this stage)
ALTER TABLE requests ADD COLUMN sla_breached INTEGER NOT NULL DEFAULT 0; -- any stage missed
ALTER TABLE requests ADD COLUMN sla_done_at INTEGER;        -- when the last clock stopped
CREATE INDEX requests_sla_due ON requests(stage_due_at) WHERE sla_stage IS NOT NULL;
CREATE INDEX requests_sla_done ON requests(service_id, sla_done_at);

-- Staff language for messages.
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT 'lv';

-- Outgoing messages, written in the same transaction as the change that causes them.
-- dedupe_key names the cause, so one cause never makes two messages.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    dedupe_key      TEXT NOT NULL UNIQUE,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
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
    sent_at         INTEGER
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_request ON outbox(request_id);

-- In-app notifications for staff.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    dedupe_key  TEXT NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL,
    request_id  INTEGER REFERENCES requests(id),
    service_id  INTEGER REFERENCES services(id),
    detail      TEXT,
    at          INTEGER NOT NULL,
    read_at     INTEGER
);
CREATE INDEX notifications_user ON notifications(user_id, read_at, id);

-- A service whose compliance fell below target, escalated once per week.
CREATE TABLE service_alerts (
    service_id  INTEGER NOT NULL REFERENCES services(id),
    period      TEXT NOT NULL,
    share_pct   INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (service_id, period)
);
