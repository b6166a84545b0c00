-- Automation per service (issue 9): what the system does on its own, as the serde form of
-- `domain::automation::Automation`. `auto_register` stays the column the rest reads; the
-- service layer writes both together.
ALTER TABLE services ADD COLUMN automation_json TEXT NOT NULL DEFAULT '{}';

-- The automation rule behind a step the system took (`Rule::as_str`), NULL for people.
ALTER TABLE request_events ADD COLUMN rule TEXT;

-- A request from the same contact for the same service while another of theirs was open:
-- that request, for staff to look at.
ALTER TABLE requests ADD COLUMN duplicate_of INTEGER REFERENCES requests(id);

-- The history stays append-only: the rule cannot be changed either.
DROP TRIGGER request_events_only_forget;
CREATE TRIGGER request_events_only_forget BEFORE UPDATE ON request_events
WHEN NEW.comment IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.request_id IS NOT OLD.request_id OR NEW.at IS NOT OLD.at
  OR NEW.actor_kind IS NOT OLD.actor_kind OR NEW.actor_user_id IS NOT OLD.actor_user_id
  OR NEW.action IS NOT OLD.action OR NEW.from_status IS NOT OLD.from_status
  OR NEW.to_status IS NOT OLD.to_status OR NEW.visible_to_requester IS NOT OLD.visible_to_requester
  OR NEW.rule IS NOT OLD.rule
BEGIN SELECT RAISE(ABORT, 'request_events is append-only'); END;

-- The last provider an assignment rule chose for a service (round robin's turn).
CREATE INDEX request_events_rule ON request_events(rule, id) WHERE rule IS NOT NULL;
