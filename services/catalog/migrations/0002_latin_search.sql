-- The search text as the search statement compares it, computed once per write instead
-- of once per row and query (PostgreSQL derives both columns from search_text, so every
-- write keeps them without a line of service code):
-- - search_lower: lower-cased. ILIKE on UTF-8 text lower-cases both sides on every
--   comparison; `search_lower LIKE lower(pattern)` is the same test without that.
-- - search_latin: the ASCII words only, lower-cased, for an ASCII query (Latin words,
--   codes). Its trigram word similarity against the whole text walked the trigrams of
--   every Chinese name and keyword, which cannot share one with it: half of a Latin
--   search's database time on the demo catalogue.
ALTER TABLE items
    ADD COLUMN search_lower text NOT NULL GENERATED ALWAYS AS (lower(search_text)) STORED,
    ADD COLUMN search_latin text NOT NULL
        GENERATED ALWAYS AS (lower(btrim(regexp_replace(search_text, '[^\x01-\x7f]+', ' ', 'g')))) STORED;
CREATE INDEX items_search_lower ON items USING gin (search_lower gin_trgm_ops);
CREATE INDEX items_search_latin ON items USING gin (search_latin gin_trgm_ops);
-- Nothing compares search_text itself any more.
DROP INDEX items_search;
