-- A search page in creation order from the tails index alone (bench/README.md, log). A
-- common full name matches hundreds of members at a million ("اکبر اسدی" also finds
-- "اکبر اسدی‌زاده" and "…‌پور"): fetching each match's row to sort them cost a read per
-- match. The member's creation time never changes, so each tail carries it, and the index
-- gives (tail, creation time, member): the matches are sorted from index entries and only
-- the page's 50 members are read. (SQLite adds a column only with a default; the triggers
-- always set it.)
ALTER TABLE member_search_tails ADD COLUMN member_created_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE member_search_tails SET member_created_at = (SELECT members.created_at FROM members WHERE members.id = member_search_tails.member_id);
DROP INDEX member_search_tails_tail_idx;
CREATE INDEX member_search_tails_tail_idx ON member_search_tails (tail, member_created_at, member_id);

-- A search matching thousands (a common first name) walks members in creation order and
-- asks of each whether one of its tails is in range: with the tail beside the member in this
-- index, each question is answered from the index alone.
DROP INDEX member_search_tails_member_idx;
CREATE INDEX member_search_tails_member_idx ON member_search_tails (member_id, tail);

DROP TRIGGER member_search_terms_insert;
DROP TRIGGER member_search_terms_update;
CREATE TRIGGER member_search_terms_insert AFTER INSERT ON members BEGIN
    INSERT INTO member_search_tails (member_id, tail, member_created_at)
    SELECT new.id, substr(new.search_key, 1 + coalesce((SELECT sum(length(p.value) + 1) FROM json_each('["' || replace(replace(replace(new.search_key, '\', '\\'), '"', '\"'), ' ', '","') || '"]') AS p WHERE p.key < w.key), 0), 128), new.created_at
    FROM json_each('["' || replace(replace(replace(new.search_key, '\', '\\'), '"', '\"'), ' ', '","') || '"]') AS w
    WHERE w.value <> '';
    INSERT INTO member_search_words (word)
    SELECT DISTINCT w.value FROM json_each('["' || replace(replace(replace(new.search_key, '\', '\\'), '"', '\"'), ' ', '","') || '"]') AS w
    WHERE w.value <> '' AND NOT EXISTS (SELECT 1 FROM member_search_words v WHERE v.word = w.value);
END;

CREATE TRIGGER member_search_terms_update AFTER UPDATE OF search_key ON members
WHEN old.search_key IS NOT new.search_key BEGIN
    DELETE FROM member_search_tails WHERE member_id = old.id;
    INSERT INTO member_search_tails (member_id, tail, member_created_at)
    SELECT new.id, substr(new.search_key, 1 + coalesce((SELECT sum(length(p.value) + 1) FROM json_each('["' || replace(replace(replace(new.search_key, '\', '\\'), '"', '\"'), ' ', '","') || '"]') AS p WHERE p.key < w.key), 0), 128), new.created_at
    FROM json_each('["' || replace(replace(replace(new.search_key, '\', '\\'), '"', '\"'), ' ', '","') || '"]') AS w
    WHERE w.value <> '';
    INSERT INTO member_search_words (word)
    SELECT DISTINCT w.value FROM json_each('["' || replace(replace(replace(new.search_key, '\', '\\'), '"', '\"'), ' ', '","') || '"]') AS w
    WHERE w.value <> '' AND NOT EXISTS (SELECT 1 FROM member_search_words v WHERE v.word = w.value);
END;
