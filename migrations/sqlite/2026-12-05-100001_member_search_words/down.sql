DROP INDEX memberships_organization_idx;
CREATE INDEX memberships_organization_idx ON memberships (organization_id, member_id, started_on);
DROP INDEX memberships_member_idx;
CREATE INDEX memberships_member_idx ON memberships (member_id, organization_id, started_on);
DROP INDEX memberships_organization_created_idx;
DROP INDEX memberships_organization_member_created_idx;
ALTER TABLE memberships DROP COLUMN member_created_at;

DROP TRIGGER member_search_terms_update;
DROP TRIGGER member_search_terms_insert;
DROP TABLE member_search_words_fts;
DROP TABLE member_search_words;
DROP TABLE member_search_tails;
