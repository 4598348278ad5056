-- Facts about the stored data that the code checks at start, such as the version of the
-- rules that computed the stored search keys (absent: version 1, the first rules).
CREATE TABLE server_settings (
    name text PRIMARY KEY,
    value text NOT NULL,
    updated_at timestamp NOT NULL
);
