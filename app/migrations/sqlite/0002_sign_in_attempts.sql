-- Failed staff sign-ins, to slow down password guessing (shared by all app servers).
CREATE TABLE sign_in_failures (
    id        INTEGER PRIMARY KEY,
    username  TEXT NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_user ON sign_in_failures(username, at);
