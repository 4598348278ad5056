DROP TABLE organizations_fts;
DROP TABLE organizations;
