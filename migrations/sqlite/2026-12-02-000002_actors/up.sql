-- Who created and who last changed each row, stored as 'user:<uuid>', 'api_token:<uuid>'
-- or 'system'. No foreign key: the record outlives the user or token it names.
-- Rows older than this migration keep NULL: who made them is not known.
ALTER TABLE organizations ADD COLUMN created_by TEXT;
ALTER TABLE organizations ADD COLUMN updated_by TEXT;
ALTER TABLE members ADD COLUMN created_by TEXT;
ALTER TABLE members ADD COLUMN updated_by TEXT;
ALTER TABLE memberships ADD COLUMN created_by TEXT;
ALTER TABLE memberships ADD COLUMN updated_by TEXT;
ALTER TABLE projects ADD COLUMN created_by TEXT;
ALTER TABLE projects ADD COLUMN updated_by TEXT;
ALTER TABLE working_groups ADD COLUMN created_by TEXT;
ALTER TABLE working_groups ADD COLUMN updated_by TEXT;
ALTER TABLE users ADD COLUMN created_by TEXT;
ALTER TABLE users ADD COLUMN updated_by TEXT;
-- api_tokens.created_by already holds the creating user's id.
ALTER TABLE api_tokens ADD COLUMN updated_by TEXT;
