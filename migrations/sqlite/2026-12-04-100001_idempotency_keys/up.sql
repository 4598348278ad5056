-- Answers to requests sent with an Idempotency-Key, per credential, kept 24 hours, shared by
-- every instance. A row without a status is a request still running (or one that crashed:
-- its claim lapses at locked_until).
CREATE TABLE idempotency_keys (
    credential TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER,
    headers_json TEXT,
    body BLOB,
    created_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (credential, key)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
