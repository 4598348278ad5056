-- Member search at a million members (bench/README.md, optimisation log). A trigram index
-- cannot make a common full name selective: its trigrams are in everyone's name. Words can:
-- every word start of a member's search key is stored with the rest of the key after it
-- (its "tail", cut to 128 characters), so "علی رضایی" is one B-tree range over tails
-- starting "علی رضایی". The words themselves are kept once each, with a trigram index, to
-- find the whole words a query's first word may end (or, alone, sit inside) in a few
-- reads: names repeat, so the vocabulary stays small where the members table grows.
-- Triggers keep both from the key, whoever writes it (the server, the key rebuild, imports).
CREATE TABLE member_search_tails (
    member_id uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    tail text COLLATE "C" NOT NULL
);
CREATE INDEX member_search_tails_tail_idx ON member_search_tails (tail, member_id);
CREATE INDEX member_search_tails_member_idx ON member_search_tails (member_id);

-- Words are never removed: a word nobody has any more only costs one empty range probe.
-- Not unique: a unique index makes concurrent writers of the same new words wait on each
-- other, and deadlock when they meet them in different orders (eight writers creating
-- members did, in tests/api/feed.rs). A word is added when absent; two transactions adding
-- the same word at once leave two rows, which the lookup folds. A hash index, since a word
-- (an e-mail, say) may outgrow a B-tree entry.
CREATE TABLE member_search_words (
    word text COLLATE "C" NOT NULL
);
CREATE INDEX member_search_words_word_idx ON member_search_words USING hash (word);
CREATE INDEX member_search_words_trgm ON member_search_words USING gin (word gin_trgm_ops);

CREATE FUNCTION member_search_terms() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    words text[] := string_to_array(NEW.search_key, ' ');
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM member_search_tails WHERE member_id = OLD.id;
    END IF;
    INSERT INTO member_search_tails (member_id, tail)
    SELECT NEW.id, left(array_to_string(words[i:], ' '), 128)
    FROM generate_subscripts(words, 1) AS i
    WHERE words[i] <> '';
    INSERT INTO member_search_words (word)
    SELECT DISTINCT w FROM unnest(words) AS w
    WHERE w <> '' AND NOT EXISTS (SELECT 1 FROM member_search_words v WHERE v.word = w);
    RETURN NULL;
END
$$;

CREATE TRIGGER member_search_terms_insert AFTER INSERT ON members
FOR EACH ROW EXECUTE FUNCTION member_search_terms();
CREATE TRIGGER member_search_terms_update AFTER UPDATE OF search_key ON members
FOR EACH ROW WHEN (OLD.search_key IS DISTINCT FROM NEW.search_key) EXECUTE FUNCTION member_search_terms();

INSERT INTO member_search_tails (member_id, tail)
SELECT m.id, left(array_to_string(w.words[i:], ' '), 128)
FROM members m
CROSS JOIN LATERAL (SELECT string_to_array(m.search_key, ' ') AS words) w
CROSS JOIN LATERAL generate_subscripts(w.words, 1) AS i
WHERE w.words[i] <> '';
INSERT INTO member_search_words (word)
SELECT DISTINCT w FROM members, unnest(string_to_array(members.search_key, ' ')) AS w WHERE w <> '';

-- Lists by organization in keyset order straight from an index. A member's creation time
-- never changes, so memberships carry it: (organization, member's creation time, member)
-- serves `members?organization_id=` a page at a time, without reading or sorting the whole
-- organization; (organization, created_at, id) does the same for the organization's
-- memberships. The two older indexes gain ended_on, so "current on a day" (shared members)
-- is decided in the index, without visiting each membership row.
ALTER TABLE memberships ADD COLUMN member_created_at timestamp;
UPDATE memberships SET member_created_at = members.created_at FROM members WHERE members.id = memberships.member_id;
ALTER TABLE memberships ALTER COLUMN member_created_at SET NOT NULL;
CREATE INDEX memberships_organization_member_created_idx ON memberships (organization_id, member_created_at, member_id);
CREATE INDEX memberships_organization_created_idx ON memberships (organization_id, created_at, id);
DROP INDEX memberships_member_idx;
CREATE INDEX memberships_member_idx ON memberships (member_id, organization_id, started_on, ended_on);
DROP INDEX memberships_organization_idx;
CREATE INDEX memberships_organization_idx ON memberships (organization_id, member_id, started_on, ended_on);
