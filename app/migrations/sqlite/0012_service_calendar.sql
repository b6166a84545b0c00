-- The business calendar a service's clocks run on, chosen by its owner (issue 9); NULL: its
-- institution's.
ALTER TABLE services ADD COLUMN calendar_id INTEGER REFERENCES calendars(id);
