-- Facts about the stored data that the code checks at start, such as the version of the
-- rules that computed the stored search keys (absent: version 1, the first rules).
CREATE TABLE server_settings (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
