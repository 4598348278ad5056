DROP TABLE memberships;
DROP TABLE members_fts;
DROP TABLE members;
