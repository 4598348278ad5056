-- The change feed's order: a position per event, handed out in commit order. The one row of
-- event_sequence is updated by every transaction that records an event, so its row lock
-- serializes those transactions from their first event to their commit, and positions are
-- gapless and never overtaken by a later commit (a rolled-back increment rolls back too).
ALTER TABLE events ADD COLUMN position integer NOT NULL DEFAULT 0;
UPDATE events SET position = (
    SELECT count(*) FROM events AS earlier
    WHERE earlier.at < events.at OR (earlier.at = events.at AND earlier.id <= events.id)
);
CREATE UNIQUE INDEX events_position_idx ON events (position);

CREATE TABLE event_sequence (
    id integer PRIMARY KEY CHECK (id = 1),
    last_position integer NOT NULL
);
INSERT INTO event_sequence (id, last_position) SELECT 1, COALESCE(MAX(position), 0) FROM events;

-- Standard Webhooks endpoints. The secret signs deliveries, so it is kept as issued (like
-- the server's own keys in server_settings), and never shown again after creation.
CREATE TABLE webhooks (
    id text PRIMARY KEY,
    url text NOT NULL,
    event_types text NOT NULL,
    organization_id text REFERENCES organizations (id) ON DELETE CASCADE,
    secret text NOT NULL,
    enabled boolean NOT NULL,
    disabled_reason text,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    version integer NOT NULL,
    created_by text,
    updated_by text
);
CREATE INDEX webhooks_organization_idx ON webhooks (organization_id);

-- One message per (webhook, event), queued in the event's transaction. Its id is the
-- `webhook-id` every attempt repeats; a claim (claimed_by until claimed_until) is a lease,
-- so a crashed instance's messages are picked up again once it runs out. No foreign key to
-- webhooks: queuing runs in every event's transaction, after that transaction holds the
-- event_sequence lock, and a key-share lock on the webhook row there could deadlock with a
-- change to the webhook waiting for event_sequence. Deleting a webhook deletes its rows.
CREATE TABLE webhook_deliveries (
    id text PRIMARY KEY,
    webhook_id text NOT NULL,
    event_id text NOT NULL,
    event_type text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts integer NOT NULL,
    next_attempt_at timestamp,
    claimed_by text,
    claimed_until timestamp,
    response_status integer,
    duration_ms integer,
    last_error text,
    payload text,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);

-- Which expiry warnings went out, so each is written once however many instances look.
CREATE TABLE api_token_expiry_notices (
    token_id text NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    days_before integer NOT NULL,
    sent_at timestamp NOT NULL,
    PRIMARY KEY (token_id, days_before)
);
