-- GDPR duties (issue 11): retention, anonymisation and erasure, legal holds, and a record
-- of every staff view of a request's personal data.

-- Personal data of a request goes this many days after it ends (closed, refused,
-- withdrawn or fulfilled): five years unless the service says otherwise.
ALTER TABLE services ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 1826;

ALTER TABLE requests ADD COLUMN anonymised_at INTEGER;
-- Why the data must be kept whatever the retention (a court case, an audit); NULL: none.
ALTER TABLE requests ADD COLUMN legal_hold TEXT;
CREATE INDEX requests_retention ON requests(anonymised_at, status);

-- The history stays append-only, except that a comment may be removed (set to NULL) when
-- the request's personal data goes: the shape of the history is kept.
DROP TRIGGER request_events_no_update;
CREATE TRIGGER request_events_only_forget BEFORE UPDATE ON request_events
WHEN NEW.comment IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.request_id IS NOT OLD.request_id OR NEW.at IS NOT OLD.at
  OR NEW.actor_kind IS NOT OLD.actor_kind OR NEW.actor_user_id IS NOT OLD.actor_user_id
  OR NEW.action IS NOT OLD.action OR NEW.from_status IS NOT OLD.from_status
  OR NEW.to_status IS NOT OLD.to_status OR NEW.visible_to_requester IS NOT OLD.visible_to_requester
BEGIN SELECT RAISE(ABORT, 'request_events is append-only'); END;

-- What happened to a request's personal data, and why: anonymised by retention, erased on
-- a data subject's request, a legal hold placed or lifted.
CREATE TABLE privacy_log (
    id             INTEGER PRIMARY KEY,
    request_id     INTEGER NOT NULL REFERENCES requests(id),
    institution_id INTEGER NOT NULL REFERENCES institutions(id),
    at             INTEGER NOT NULL,
    user_id        INTEGER REFERENCES users(id),
    kind           TEXT NOT NULL CHECK (kind IN ('anonymised', 'erased', 'hold', 'released')),
    reason         TEXT
);
CREATE INDEX privacy_log_request ON privacy_log(request_id);

-- Every time a staff member opened a request's personal data (Article 30 records, and so
-- that misuse can be found).
CREATE TABLE personal_data_views (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users(id),
    request_id     INTEGER NOT NULL REFERENCES requests(id),
    institution_id INTEGER NOT NULL REFERENCES institutions(id),
    at             INTEGER NOT NULL
);
CREATE INDEX personal_data_views_inst ON personal_data_views(institution_id, at);
