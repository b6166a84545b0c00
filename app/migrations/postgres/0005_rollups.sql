-- Analytics rollups, kept exact in the same transaction as each change (issue 4).
-- `day` is the local calendar day (days from 0001-01-01), `month` is year * 12 + month - 1.
-- Counters are keyed by the day of their own event (received: submission; fulfilled:
-- fulfilment; ...), so a day's row only ever grows while that day is today.
CREATE TABLE stats_day (
    day            BIGINT NOT NULL,
    service_id     BIGINT NOT NULL REFERENCES services(id),
    channel        TEXT NOT NULL,
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    received       BIGINT NOT NULL DEFAULT 0,
    fulfilled      BIGINT NOT NULL DEFAULT 0,
    refused        BIGINT NOT NULL DEFAULT 0,
    approved       BIGINT NOT NULL DEFAULT 0,
    withdrawn      BIGINT NOT NULL DEFAULT 0,
    sla_judged     BIGINT NOT NULL DEFAULT 0,
    sla_met        BIGINT NOT NULL DEFAULT 0,
    ratings        BIGINT NOT NULL DEFAULT 0,
    rating_sum     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, service_id, channel)
);
CREATE INDEX stats_day_institution ON stats_day(institution_id, day);
CREATE INDEX stats_day_service ON stats_day(service_id, day);
CREATE TABLE stats_month (
    month          BIGINT NOT NULL,
    service_id     BIGINT NOT NULL REFERENCES services(id),
    channel        TEXT NOT NULL,
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    received       BIGINT NOT NULL DEFAULT 0,
    fulfilled      BIGINT NOT NULL DEFAULT 0,
    refused        BIGINT NOT NULL DEFAULT 0,
    approved       BIGINT NOT NULL DEFAULT 0,
    withdrawn      BIGINT NOT NULL DEFAULT 0,
    sla_judged     BIGINT NOT NULL DEFAULT 0,
    sla_met        BIGINT NOT NULL DEFAULT 0,
    ratings        BIGINT NOT NULL DEFAULT 0,
    rating_sum     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, service_id, channel)
);
CREATE INDEX stats_month_institution ON stats_month(institution_id, month);
CREATE INDEX stats_month_service ON stats_month(service_id, month);
-- The same counters per institution (no service), for scopes of many institutions.
CREATE TABLE stats_day_inst (
    day            BIGINT NOT NULL,
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    channel        TEXT NOT NULL,
    received       BIGINT NOT NULL DEFAULT 0,
    fulfilled      BIGINT NOT NULL DEFAULT 0,
    refused        BIGINT NOT NULL DEFAULT 0,
    approved       BIGINT NOT NULL DEFAULT 0,
    withdrawn      BIGINT NOT NULL DEFAULT 0,
    sla_judged     BIGINT NOT NULL DEFAULT 0,
    sla_met        BIGINT NOT NULL DEFAULT 0,
    ratings        BIGINT NOT NULL DEFAULT 0,
    rating_sum     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, institution_id, channel)
);
CREATE TABLE stats_month_inst (
    month          BIGINT NOT NULL,
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    channel        TEXT NOT NULL,
    received       BIGINT NOT NULL DEFAULT 0,
    fulfilled      BIGINT NOT NULL DEFAULT 0,
    refused        BIGINT NOT NULL DEFAULT 0,
    approved       BIGINT NOT NULL DEFAULT 0,
    withdrawn      BIGINT NOT NULL DEFAULT 0,
    sla_judged     BIGINT NOT NULL DEFAULT 0,
    sla_met        BIGINT NOT NULL DEFAULT 0,
    ratings        BIGINT NOT NULL DEFAULT 0,
    rating_sum     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, institution_id, channel)
);
-- Lead-time histograms per institution: how many requests completed `stage` with a lead
-- time of `value` (hours for registration, whole days otherwise) on that day or month.
CREATE TABLE lead_day (
    day            BIGINT NOT NULL,
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    stage          TEXT NOT NULL,
    value          BIGINT NOT NULL,
    n              BIGINT NOT NULL,
    PRIMARY KEY (day, institution_id, stage, value)
);
CREATE TABLE lead_month (
    month          BIGINT NOT NULL,
    institution_id BIGINT NOT NULL REFERENCES institutions(id),
    stage          TEXT NOT NULL,
    value          BIGINT NOT NULL,
    n              BIGINT NOT NULL,
    PRIMARY KEY (month, institution_id, stage, value)
);
-- The same for the whole country (no institution), so national figures read few rows.
CREATE TABLE lead_day_all (
    day            BIGINT NOT NULL,
    stage          TEXT NOT NULL,
    value          BIGINT NOT NULL,
    n              BIGINT NOT NULL,
    PRIMARY KEY (day, stage, value)
);
CREATE TABLE lead_month_all (
    month          BIGINT NOT NULL,
    stage          TEXT NOT NULL,
    value          BIGINT NOT NULL,
    n              BIGINT NOT NULL,
    PRIMARY KEY (month, stage, value)
);
-- The backlog by age and status, and lead times of one service, come from the requests.
CREATE INDEX requests_open_age ON requests(status, institution_id, submitted_at);
CREATE INDEX requests_service_registered ON requests(service_id, registered_at);
CREATE INDEX requests_service_decided ON requests(service_id, decided_at);
CREATE INDEX requests_service_fulfilled ON requests(service_id, fulfilled_at);
-- The requests behind a figure are listed by the time of their event.
CREATE INDEX requests_fulfilled ON requests(fulfilled_at);
CREATE INDEX requests_decided ON requests(decided_at);
CREATE INDEX requests_closed ON requests(closed_at);
