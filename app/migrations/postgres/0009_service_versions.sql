-- Versioned service forms (issue 9): each published form is kept, and a request keeps the
-- version it was submitted under, so its answers are shown with that version's labels and
-- options forever.
ALTER TABLE services ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE requests ADD COLUMN service_version BIGINT NOT NULL DEFAULT 1;

CREATE TABLE service_versions (
    service_id   BIGINT NOT NULL REFERENCES services(id),
    version      BIGINT NOT NULL,
    fields_json  TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    -- NULL: from before versions existed, or the command line.
    published_by BIGINT REFERENCES users(id),
    PRIMARY KEY (service_id, version)
);
-- Every service's current form is its version 1.
INSERT INTO service_versions (service_id, version, fields_json, published_at)
SELECT id, 1, fields_json, created_at FROM services;
