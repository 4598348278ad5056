-- Member search at a million members (bench/README.md, optimisation log). A trigram index
-- cannot make a common full name selective: its trigrams are in everyone's name. Words can:
-- every word start of a member's search key is stored with the rest of the key after it
-- (its "tail", cut to 128 characters), so "علی رضایی" is one B-tree range over tails
-- starting "علی رضایی". The words themselves are kept once each, with an FTS5 trigram
-- index, to find the whole words a query's first word may end (or, alone, sit inside) in
-- a few reads: names repeat, so the vocabulary stays small where the members table grows.
-- Triggers keep both from the key, whoever writes it (the server, the key rebuild,
-- imports). SQLite has no string splitting, so a key becomes a JSON array of its words (a
-- key holds no control characters: normalization turned them into spaces).
CREATE TABLE member_search_tails (
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    tail TEXT NOT NULL
);
CREATE INDEX member_search_tails_tail_idx ON member_search_tails (tail, member_id);
CREATE INDEX member_search_tails_member_idx ON member_search_tails (member_id);

-- Words are never removed: a word nobody has any more only costs one empty range probe.
-- (PostgreSQL's copy is not unique, so that concurrent writers never wait on each other's
-- new words; SQLite has one writer, and the same shape.)
CREATE TABLE member_search_words (
    word TEXT NOT NULL
);
CREATE INDEX member_search_words_word_idx ON member_search_words (word);
CREATE VIRTUAL TABLE member_search_words_fts USING fts5(word, tokenize = 'trigram');
CREATE TRIGGER member_search_words_fts_insert AFTER INSERT ON member_search_words BEGIN
    INSERT INTO member_search_words_fts (rowid, word) VALUES (new.rowid, new.word);
END;

CREATE TRIGGER member_search_terms_insert AFTER INSERT ON members BEGIN
    INSERT INTO member_search_tails (member_id, tail)
    SELECT new.id, substr(new.search_key, 1 + coalesce((SELECT sum(length(p.value) + 1) FROM json_each('["' || replace(replace(replace(new.search_key, '\', '\\'), '"', '\"'), ' ', '","') || '"]') AS p WHERE p.key < w.key), 0), 128)
    FROM json_each('["' || replace(replace(replace(new.search_key, '\', '\\'), '"', '\"'), ' ', '","') || '"]') AS w
    WHERE w.value <> '';
    INSERT INTO member_search_words (word)
    SELECT DISTINCT w.value FROM json_each('["' || replace(replace(replace(new.search_key, '\', '\\'), '"', '\"'), ' ', '","') || '"]') AS w
    WHERE w.value <> '' AND NOT EXISTS (SELECT 1 FROM member_search_words v WHERE v.word = w.value);
END;

CREATE TRIGGER member_search_terms_update AFTER UPDATE OF search_key ON members
WHEN old.search_key IS NOT new.search_key BEGIN
    DELETE FROM member_search_tails WHERE member_id = old.id;
    INSERT INTO member_search_tails (member_id, tail)
    SELECT new.id, substr(new.search_key, 1 + coalesce((SELECT sum(length(p.value) + 1) FROM json_each('["' || replace(replace(replace(new.search_key, '\', '\\'), '"', '\"'), ' ', '","') || '"]') AS p WHERE p.key < w.key), 0), 128)
    FROM json_each('["' || replace(replace(replace(new.search_key, '\', '\\'), '"', '\"'), ' ', '","') || '"]') AS w
    WHERE w.value <> '';
    INSERT INTO member_search_words (word)
    SELECT DISTINCT w.value FROM json_each('["' || replace(replace(replace(new.search_key, '\', '\\'), '"', '\"'), ' ', '","') || '"]') AS w
    WHERE w.value <> '' AND NOT EXISTS (SELECT 1 FROM member_search_words v WHERE v.word = w.value);
END;

INSERT INTO member_search_tails (member_id, tail)
SELECT m.id, substr(m.search_key, 1 + coalesce((SELECT sum(length(p.value) + 1) FROM json_each('["' || replace(replace(replace(m.search_key, '\', '\\'), '"', '\"'), ' ', '","') || '"]') AS p WHERE p.key < w.key), 0), 128)
FROM members AS m, json_each('["' || replace(replace(replace(m.search_key, '\', '\\'), '"', '\"'), ' ', '","') || '"]') AS w
WHERE w.value <> '';
INSERT INTO member_search_words (word)
SELECT DISTINCT w.value FROM members AS m, json_each('["' || replace(replace(replace(m.search_key, '\', '\\'), '"', '\"'), ' ', '","') || '"]') AS w WHERE w.value <> '';

-- Lists by organization in keyset order straight from an index. A member's creation time
-- never changes, so memberships carry it: (organization, member's creation time, member)
-- serves `members?organization_id=` a page at a time, without reading or sorting the whole
-- organization; (organization, created_at, id) does the same for the organization's
-- memberships. The two older indexes gain ended_on, so "current on a day" (shared members)
-- is decided in the index, without visiting each membership row.
ALTER TABLE memberships ADD COLUMN member_created_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE memberships SET member_created_at = (SELECT members.created_at FROM members WHERE members.id = memberships.member_id);
CREATE INDEX memberships_organization_member_created_idx ON memberships (organization_id, member_created_at, member_id);
CREATE INDEX memberships_organization_created_idx ON memberships (organization_id, created_at, id);
DROP INDEX memberships_member_idx;
CREATE INDEX memberships_member_idx ON memberships (member_id, organization_id, started_on, ended_on);
DROP INDEX memberships_organization_idx;
CREATE INDEX memberships_organization_idx ON memberships (organization_id, member_id, started_on, ended_on);
