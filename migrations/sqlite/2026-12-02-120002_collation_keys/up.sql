-- Persian alphabetical order: a collation key (ICU4X, Persian) computed in Rust and stored
-- beside the name as hex, compared bytewise (SQLite's default BINARY collation), so that
-- the index serves the sort and the keyset cursor. Existing rows get their key from the key
-- rebuild that runs after the migrations (hamkari_persistence::rekey, key version 3).
ALTER TABLE members ADD COLUMN full_name_sort TEXT NOT NULL DEFAULT '';
DROP INDEX members_full_name_idx;
CREATE INDEX members_full_name_sort_idx ON members (full_name_sort, id);

ALTER TABLE organizations ADD COLUMN name_sort TEXT NOT NULL DEFAULT '';
DROP INDEX organizations_name_idx;
CREATE INDEX organizations_name_sort_idx ON organizations (name_sort, id);
