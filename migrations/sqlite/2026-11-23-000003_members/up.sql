CREATE TABLE members (
    id TEXT PRIMARY KEY NOT NULL,
    full_name TEXT NOT NULL,
    full_name_en TEXT,
    national_id TEXT,
    email TEXT,
    phone TEXT,
    expertise TEXT,
    search_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX members_national_id_unique ON members (national_id);
CREATE UNIQUE INDEX members_email_unique ON members (email);
CREATE INDEX members_created_at_idx ON members (created_at, id);
CREATE INDEX members_full_name_idx ON members (full_name, id);

CREATE VIRTUAL TABLE members_fts USING fts5(search_key, tokenize = 'trigram');

CREATE TRIGGER members_fts_insert AFTER INSERT ON members BEGIN
    INSERT INTO members_fts (rowid, search_key) VALUES (new.rowid, new.search_key);
END;

CREATE TRIGGER members_fts_update AFTER UPDATE OF search_key ON members BEGIN
    UPDATE members_fts SET search_key = new.search_key WHERE rowid = old.rowid;
END;

CREATE TRIGGER members_fts_delete AFTER DELETE ON members BEGIN
    DELETE FROM members_fts WHERE rowid = old.rowid;
END;

CREATE TABLE memberships (
    id TEXT PRIMARY KEY NOT NULL,
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    role TEXT NOT NULL CHECK (role IN ('member', 'board_member', 'board_chair', 'board_vice_chair', 'secretary', 'treasurer', 'inspector')),
    started_on DATE NOT NULL,
    ended_on DATE,
    end_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CHECK (ended_on IS NULL OR ended_on >= started_on)
);
CREATE INDEX memberships_member_idx ON memberships (member_id, organization_id, started_on);
CREATE INDEX memberships_organization_idx ON memberships (organization_id, member_id, started_on);
CREATE UNIQUE INDEX memberships_open_role_unique ON memberships (member_id, organization_id, role) WHERE ended_on IS NULL;
CREATE UNIQUE INDEX memberships_open_chair_unique ON memberships (organization_id) WHERE role = 'board_chair' AND ended_on IS NULL;
