-- Editing services in the browser (issue 9). An owner edits a draft; publishing it makes
-- the service's next version. A draft is the whole editable service as JSON
-- (domain::service_draft::ServiceDraft); its revision is the optimistic check that stops
-- two editors overwriting each other.
CREATE TABLE service_drafts (
    service_id   INTEGER PRIMARY KEY REFERENCES services(id),
    content_json TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    updated_by   INTEGER REFERENCES users(id)
);

-- What each published version was as a whole (for the differences between versions).
-- NULL for versions published before the editor: only their form is known.
ALTER TABLE service_versions ADD COLUMN content_json TEXT;

-- The texts a citizen reads besides name, summary, description and conditions.
ALTER TABLE service_texts ADD COLUMN result TEXT NOT NULL DEFAULT '';
ALTER TABLE service_texts ADD COLUMN fees TEXT NOT NULL DEFAULT '';
ALTER TABLE service_texts ADD COLUMN legal_basis TEXT NOT NULL DEFAULT '';
ALTER TABLE service_texts ADD COLUMN contact TEXT NOT NULL DEFAULT '';

-- Institution settings: the languages it offers (Latvian always), and per language its
-- contact details and the signature under its mail.
ALTER TABLE institutions ADD COLUMN languages TEXT NOT NULL DEFAULT 'lv,en';
ALTER TABLE institution_texts ADD COLUMN contact TEXT NOT NULL DEFAULT '';
ALTER TABLE institution_texts ADD COLUMN signature TEXT NOT NULL DEFAULT '';
