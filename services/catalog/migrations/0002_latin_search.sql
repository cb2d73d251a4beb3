-- The Latin words of an item's search text, for the trigram word similarity of a Latin
-- query (misspelt English words). Comparing such a query against the whole search text
-- walked the trigrams of every Chinese name and keyword too, which cannot match a Latin
-- trigram: half of a Latin search's database time on the demo catalogue. Derived by
-- PostgreSQL from search_text, so every write keeps it without a line of service code.
ALTER TABLE items ADD COLUMN search_latin text NOT NULL
    GENERATED ALWAYS AS (btrim(regexp_replace(search_text, '[^\x01-\x7f]+', ' ', 'g'))) STORED;
CREATE INDEX items_search_latin ON items USING gin (search_latin gin_trgm_ops);
