-- The result photos of a report that its department marked public, one row each: only
-- these appear on the public map (with the report once it is resolved). A resolution
-- marked public (or its category's default) marks all its photos; a handler marks or
-- unmarks each one afterwards.
CREATE TABLE report_public_photos (
    application_id uuid        NOT NULL REFERENCES applications (id),
    material_id    uuid        NOT NULL REFERENCES materials (id),
    marked_by      jsonb       NOT NULL,
    marked_at      timestamptz NOT NULL,
    PRIMARY KEY (application_id, material_id)
);
