DROP TRIGGER member_search_terms_insert;
DROP TRIGGER member_search_terms_update;
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
DROP INDEX member_search_tails_tail_idx;
CREATE INDEX member_search_tails_tail_idx ON member_search_tails (tail, member_id);
ALTER TABLE member_search_tails DROP COLUMN member_created_at;
DROP INDEX member_search_tails_member_idx;
CREATE INDEX member_search_tails_member_idx ON member_search_tails (member_id);
