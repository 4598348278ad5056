-- Trigram index support for substring search on normalized keys.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE organizations (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    name_en text,
    slug text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('association', 'society', 'federation', 'company', 'other')),
    description text,
    website text,
    email text,
    phone text,
    founded_on date,
    name_key text NOT NULL,
    search_key text NOT NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    version bigint NOT NULL DEFAULT 1
);

CREATE UNIQUE INDEX organizations_slug_unique ON organizations (slug);
CREATE UNIQUE INDEX organizations_name_key_unique ON organizations (name_key);
CREATE INDEX organizations_name_idx ON organizations (name, id);
CREATE INDEX organizations_created_at_idx ON organizations (created_at, id);
CREATE INDEX organizations_updated_at_idx ON organizations (updated_at, id);
CREATE INDEX organizations_kind_idx ON organizations (kind, created_at, id);
CREATE INDEX organizations_search_trgm ON organizations USING gin (search_key gin_trgm_ops);
