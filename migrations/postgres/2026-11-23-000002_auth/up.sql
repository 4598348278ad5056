CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text NOT NULL,
    display_name text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    password_hash text NOT NULL,
    disabled boolean NOT NULL DEFAULT false,
    session_version bigint NOT NULL DEFAULT 1,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    version bigint NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX users_email_unique ON users (email);
CREATE INDEX users_created_at_idx ON users (created_at, id);

CREATE TABLE user_organizations (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, organization_id)
);
CREATE INDEX user_organizations_organization_idx ON user_organizations (organization_id);

-- Refresh tokens are stored as SHA-256 of the secret; a family is one login's chain of rotations.
CREATE TABLE refresh_tokens (
    id uuid PRIMARY KEY,
    family_id uuid NOT NULL,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash text NOT NULL,
    session_version bigint NOT NULL,
    created_at timestamp NOT NULL,
    expires_at timestamp NOT NULL,
    used_at timestamp,
    revoked_at timestamp
);
CREATE UNIQUE INDEX refresh_tokens_hash_unique ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- API token secrets are stored only as HMAC-SHA256 under a server key.
CREATE TABLE api_tokens (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    prefix text NOT NULL,
    secret_hash text NOT NULL,
    scopes text NOT NULL,
    organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamp NOT NULL,
    expires_at timestamp NOT NULL,
    revoked_at timestamp,
    last_used_at timestamp
);
CREATE UNIQUE INDEX api_tokens_secret_unique ON api_tokens (secret_hash);
CREATE INDEX api_tokens_created_at_idx ON api_tokens (created_at, id);
CREATE INDEX api_tokens_organization_idx ON api_tokens (organization_id);
CREATE INDEX api_tokens_created_by_idx ON api_tokens (created_by);

-- Failed-login counters shared by every instance.
CREATE TABLE login_throttle (
    key text PRIMARY KEY,
    failures bigint NOT NULL,
    window_started_at timestamp NOT NULL,
    blocked_until timestamp
);

-- Keys generated once and shared by every instance (JWT signing, API token HMAC).
CREATE TABLE server_secrets (
    name text PRIMARY KEY,
    value text NOT NULL,
    created_at timestamp NOT NULL
);
