DROP TRIGGER organizations_fts_update;
CREATE TRIGGER organizations_fts_update AFTER UPDATE OF search_key ON organizations BEGIN
    UPDATE organizations_fts SET search_key = new.search_key WHERE rowid = old.rowid;
END;

DROP TRIGGER members_fts_update;
CREATE TRIGGER members_fts_update AFTER UPDATE OF search_key ON members BEGIN
    UPDATE members_fts SET search_key = new.search_key WHERE rowid = old.rowid;
END;

DROP TRIGGER projects_fts_update;
CREATE TRIGGER projects_fts_update AFTER UPDATE OF search_key ON projects BEGIN
    UPDATE projects_fts SET search_key = new.search_key WHERE rowid = old.rowid;
END;

DROP TRIGGER working_groups_fts_update;
CREATE TRIGGER working_groups_fts_update AFTER UPDATE OF search_key ON working_groups BEGIN
    UPDATE working_groups_fts SET search_key = new.search_key WHERE rowid = old.rowid;
END;
