-- Answers to requests sent with an Idempotency-Key, per credential, kept 24 hours, shared by
-- every instance. A row without a status is a request still running (or one that crashed:
-- its claim lapses at locked_until).
CREATE TABLE idempotency_keys (
    credential text NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    status integer,
    headers_json text,
    body bytea,
    created_at timestamp NOT NULL,
    locked_until timestamp NOT NULL,
    expires_at timestamp NOT NULL,
    PRIMARY KEY (credential, key)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
