-- Signed-in requesters (issue 12): people who signed in through the institution's
-- OpenID Connect provider, their sessions, the sign-ins under way, and what each
-- requester has seen of their requests.

-- A person as this portal knows them. The provider's subject and the personal code are
-- kept only as keyed hashes (HMAC with the server secret), for matching the next sign-in;
-- name, e-mail and phone are what the provider said, to fill in forms.
CREATE TABLE requesters (
    id            INTEGER PRIMARY KEY,
    subject_hash  TEXT NOT NULL UNIQUE,
    person_hash   TEXT UNIQUE,
    name          TEXT NOT NULL,
    email         TEXT,
    phone         TEXT,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);

-- A requester's session: the cookie's keyed hash, so the table alone opens nothing.
CREATE TABLE requester_sessions (
    token_hash    TEXT PRIMARY KEY,
    requester_id  INTEGER NOT NULL REFERENCES requesters(id),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX requester_sessions_requester ON requester_sessions(requester_id);

-- A sign-in under way, from the redirect to the provider until its answer: found by the
-- keyed hash of `state`, used once. The PKCE verifier is sealed with the server secret.
CREATE TABLE signin_flows (
    state_hash    TEXT PRIMARY KEY,
    nonce         TEXT NOT NULL,
    verifier      TEXT NOT NULL,
    return_to     TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

-- Whose request it is (made while signed in, or claimed with its code), and the last of its
-- visible events its requester has seen (what came after is shown as new).
ALTER TABLE requests ADD COLUMN requester_id INTEGER REFERENCES requesters(id);
ALTER TABLE requests ADD COLUMN requester_seen_event INTEGER;
CREATE INDEX requests_requester ON requests(requester_id);
