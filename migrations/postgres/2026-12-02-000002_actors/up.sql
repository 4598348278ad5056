-- Who created and who last changed each row, stored as 'user:<uuid>', 'api_token:<uuid>'
-- or 'system'. No foreign key: the record outlives the user or token it names.
-- Rows older than this migration keep NULL: who made them is not known.
ALTER TABLE organizations ADD COLUMN created_by text;
ALTER TABLE organizations ADD COLUMN updated_by text;
ALTER TABLE members ADD COLUMN created_by text;
ALTER TABLE members ADD COLUMN updated_by text;
ALTER TABLE memberships ADD COLUMN created_by text;
ALTER TABLE memberships ADD COLUMN updated_by text;
ALTER TABLE projects ADD COLUMN created_by text;
ALTER TABLE projects ADD COLUMN updated_by text;
ALTER TABLE working_groups ADD COLUMN created_by text;
ALTER TABLE working_groups ADD COLUMN updated_by text;
ALTER TABLE users ADD COLUMN created_by text;
ALTER TABLE users ADD COLUMN updated_by text;
-- api_tokens.created_by already holds the creating user's id.
ALTER TABLE api_tokens ADD COLUMN updated_by text;
