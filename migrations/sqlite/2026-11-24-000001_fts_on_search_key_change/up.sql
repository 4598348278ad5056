-- An UPDATE that lists search_key among its columns fired these triggers even when the key
-- did not change, and rewrote the row's trigram entries: at a million members that made
-- every PATCH several times slower. Now they fire only when the key changes.

DROP TRIGGER organizations_fts_update;
CREATE TRIGGER organizations_fts_update AFTER UPDATE OF search_key ON organizations
WHEN old.search_key IS NOT new.search_key BEGIN
    UPDATE organizations_fts SET search_key = new.search_key WHERE rowid = old.rowid;
END;

DROP TRIGGER members_fts_update;
CREATE TRIGGER members_fts_update AFTER UPDATE OF search_key ON members
WHEN old.search_key IS NOT new.search_key BEGIN
    UPDATE members_fts SET search_key = new.search_key WHERE rowid = old.rowid;
END;

DROP TRIGGER projects_fts_update;
CREATE TRIGGER projects_fts_update AFTER UPDATE OF search_key ON projects
WHEN old.search_key IS NOT new.search_key BEGIN
    UPDATE projects_fts SET search_key = new.search_key WHERE rowid = old.rowid;
END;

DROP TRIGGER working_groups_fts_update;
CREATE TRIGGER working_groups_fts_update AFTER UPDATE OF search_key ON working_groups
WHEN old.search_key IS NOT new.search_key BEGIN
    UPDATE working_groups_fts SET search_key = new.search_key WHERE rowid = old.rowid;
END;
