DROP INDEX organizations_name_sort_idx;
ALTER TABLE organizations DROP COLUMN name_sort;
CREATE INDEX organizations_name_idx ON organizations (name, id);

DROP INDEX members_full_name_sort_idx;
ALTER TABLE members DROP COLUMN full_name_sort;
CREATE INDEX members_full_name_idx ON members (full_name, id);
