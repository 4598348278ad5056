DROP TABLE api_token_expiry_notices;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE event_sequence;
DROP INDEX events_position_idx;
ALTER TABLE events DROP COLUMN position;
