CREATE OR REPLACE FUNCTION member_search_terms() RETURNS trigger LANGUAGE plpgsql AS $$
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
DROP INDEX member_search_tails_tail_idx;
CREATE INDEX member_search_tails_tail_idx ON member_search_tails (tail, member_id);
ALTER TABLE member_search_tails DROP COLUMN member_created_at;
DROP INDEX member_search_tails_member_idx;
CREATE INDEX member_search_tails_member_idx ON member_search_tails (member_id);
