CREATE TABLE organizations (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT,
    slug TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('association', 'society', 'federation', 'company', 'other')),
    description TEXT,
    website TEXT,
    email TEXT,
    phone TEXT,
    founded_on DATE,
    name_key TEXT NOT NULL,
    search_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE UNIQUE INDEX organizations_slug_unique ON organizations (slug);
CREATE UNIQUE INDEX organizations_name_key_unique ON organizations (name_key);
CREATE INDEX organizations_name_idx ON organizations (name, id);
CREATE INDEX organizations_created_at_idx ON organizations (created_at, id);
CREATE INDEX organizations_updated_at_idx ON organizations (updated_at, id);
CREATE INDEX organizations_kind_idx ON organizations (kind, created_at, id);

-- Substring search on the normalized key through a trigram full-text index, kept in step
-- with the table by triggers (keyed by the table's rowid).
CREATE VIRTUAL TABLE organizations_fts USING fts5(search_key, tokenize = 'trigram');

CREATE TRIGGER organizations_fts_insert AFTER INSERT ON organizations BEGIN
    INSERT INTO organizations_fts (rowid, search_key) VALUES (new.rowid, new.search_key);
END;

CREATE TRIGGER organizations_fts_update AFTER UPDATE OF search_key ON organizations BEGIN
    UPDATE organizations_fts SET search_key = new.search_key WHERE rowid = old.rowid;
END;

CREATE TRIGGER organizations_fts_delete AFTER DELETE ON organizations BEGIN
    DELETE FROM organizations_fts WHERE rowid = old.rowid;
END;
