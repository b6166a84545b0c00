-- Automation per service (issue 9): what the system does on its own, as the serde form of
-- `domain::automation::Automation`. `auto_register` stays the column the rest reads; the
-- service layer writes both together.
ALTER TABLE services ADD COLUMN automation_json TEXT NOT NULL DEFAULT '{}';

-- The automation rule behind a step the system took (`Rule::as_str`), NULL for people.
ALTER TABLE request_events ADD COLUMN rule TEXT;

-- A request from the same contact for the same service while another of theirs was open:
-- that request, for staff to look at.
ALTER TABLE requests ADD COLUMN duplicate_of BIGINT REFERENCES requests(id);

-- The history stays append-only: the rule cannot be changed either.
CREATE OR REPLACE FUNCTION request_events_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.comment IS NULL
     AND (NEW.id, NEW.request_id, NEW.at, NEW.actor_kind, NEW.actor_user_id, NEW.action,
          NEW.from_status, NEW.to_status, NEW.visible_to_requester, NEW.rule)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.request_id, OLD.at, OLD.actor_kind, OLD.actor_user_id, OLD.action,
          OLD.from_status, OLD.to_status, OLD.visible_to_requester, OLD.rule) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'request_events is append-only';
END;
$$ LANGUAGE plpgsql;

-- The last provider an assignment rule chose for a service (round robin's turn).
CREATE INDEX request_events_rule ON request_events(rule, id) WHERE rule IS NOT NULL;
