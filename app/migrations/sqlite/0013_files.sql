-- Documents (issue 10). File contents are kept in the database, in chunks, once per
-- SHA-256: the embedded default needs nothing else, and every app server in front of one
-- PostgreSQL sees the same files (docs/ARCHITECTURE.md says why).

-- One stored content. `sha256` is NULL while an upload is still arriving (`staged_at` says
-- since when; the sweep removes leftovers). `scan`: 'clean', 'unscanned' (no scanner is
-- configured), 'pending' (quarantined until the scanner answers), 'infected' (its chunks
-- are gone; the row says what was found).
CREATE TABLE blobs (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT UNIQUE,
    size        INTEGER NOT NULL DEFAULT 0,
    kind        TEXT NOT NULL,
    scan        TEXT NOT NULL,
    scan_note   TEXT,
    created_at  INTEGER NOT NULL,
    staged_at   INTEGER
);
CREATE TABLE blob_chunks (
    blob_id     INTEGER NOT NULL REFERENCES blobs(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    data        BLOB NOT NULL,
    PRIMARY KEY (blob_id, seq)
);

-- A file a browser uploaded ahead of the form that uses it, known by a random token (its
-- keyed hash here). Claimed by the submission or answer that names it; gone after a day.
CREATE TABLE uploads (
    token_hash  TEXT PRIMARY KEY,
    blob_id     INTEGER NOT NULL REFERENCES blobs(id),
    name        TEXT NOT NULL,
    service_id  INTEGER NOT NULL REFERENCES services(id),
    field       TEXT NOT NULL,
    client_key  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX uploads_created ON uploads(created_at);

-- A file attached to a request. `visibility`: 'requester' (the requester's own files),
-- 'result' (a document staff hand to the requester), 'internal' (staff only). `blob_id` is
-- NULL once the file was refused by the scanner or erased with the request's personal data.
CREATE TABLE attachments (
    id          INTEGER PRIMARY KEY,
    public_id   TEXT NOT NULL UNIQUE,
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    blob_id     INTEGER REFERENCES blobs(id),
    field       TEXT,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    visibility  TEXT NOT NULL,
    state       TEXT NOT NULL,
    added_by    INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX attachments_request ON attachments(request_id, id);
CREATE INDEX attachments_blob ON attachments(blob_id);

-- Bytes uploaded per client per day, for the daily quota.
CREATE TABLE upload_quota (
    client_key  TEXT NOT NULL,
    day         INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    PRIMARY KEY (client_key, day)
);
