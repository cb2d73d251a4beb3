-- The catalogue: service items with immutable published versions, drafts,
-- opt-outs, notices, and a projection of identity's tenant tree.

-- Trigram search (names and keywords, Chinese included). The extension is created once
-- per database; in `public` so that every schema on a `<schema>, public` search path
-- (the service's and the tests' own) sees its functions and operator classes.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- Tenants as identity announces them (identity.tenant.created|updated events); never
-- written by anything else. event_time keeps a late, older event from winning.
CREATE TABLE tenants (
    id            text        PRIMARY KEY,
    parent_id     text,
    division_code text        NOT NULL,
    level         text        NOT NULL,
    name          jsonb       NOT NULL,
    status        text        NOT NULL,
    event_time    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tenants_parent ON tenants (parent_id);

-- The head of an item: identity, status, and the columns lists and search read (those of
-- the current published version, or of the draft while never published).
CREATE TABLE items (
    id             uuid        PRIMARY KEY,
    tenant_id      text        NOT NULL,
    code           text        NOT NULL,
    type           text        NOT NULL,
    inherited_from uuid        REFERENCES items (id),
    status         text        NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    latest_version int         NOT NULL DEFAULT 0 CHECK (latest_version >= 0),
    use_count      bigint      NOT NULL DEFAULT 0,
    name_zh        text        NOT NULL,
    name_en        text        NOT NULL DEFAULT '',
    agency         text        NOT NULL DEFAULT '',
    department     text        NOT NULL DEFAULT '',
    channels       text[]      NOT NULL DEFAULT '{}',
    search_text    text        NOT NULL,
    listing        jsonb       NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    retired_at     timestamptz,
    UNIQUE (tenant_id, code),
    UNIQUE (tenant_id, inherited_from)
);
CREATE INDEX items_search ON items USING gin (search_text gin_trgm_ops);
CREATE INDEX items_tenant_status ON items (tenant_id, status);
CREATE INDEX items_inherited_from ON items (inherited_from) WHERE inherited_from IS NOT NULL;

-- Published versions: append-only. Applications refer to (item_id, version), so a row
-- never changes once written; the trigger refuses UPDATE, DELETE and TRUNCATE.
CREATE TABLE item_versions (
    item_id      uuid        NOT NULL REFERENCES items (id),
    version      int         NOT NULL CHECK (version > 0),
    content      jsonb       NOT NULL,
    overrides    jsonb,
    base_version int,
    etag         text        NOT NULL,
    published_at timestamptz NOT NULL,
    published_by jsonb       NOT NULL,
    PRIMARY KEY (item_id, version)
);

CREATE FUNCTION item_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'published item versions are immutable (item %, version %)',
        OLD.item_id, OLD.version USING ERRCODE = 'MGIMM';
END $$;
CREATE TRIGGER item_versions_immutable BEFORE UPDATE OR DELETE ON item_versions
    FOR EACH ROW EXECUTE FUNCTION item_versions_immutable();

CREATE FUNCTION item_versions_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'published item versions are immutable' USING ERRCODE = 'MGIMM';
END $$;
CREATE TRIGGER item_versions_no_truncate BEFORE TRUNCATE ON item_versions
    FOR EACH STATEMENT EXECUTE FUNCTION item_versions_no_truncate();

-- The one draft of an item: full content (own item) or the localised values
-- {path: value} (localisation). revision feeds the draft's ETag.
CREATE TABLE item_drafts (
    item_id    uuid        PRIMARY KEY REFERENCES items (id),
    content    jsonb       NOT NULL,
    revision   int         NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by jsonb       NOT NULL
);

-- A tenant's decision not to offer an inherited item (item_id: the base item).
CREATE TABLE opt_outs (
    tenant_id  text        NOT NULL,
    item_id    uuid        NOT NULL REFERENCES items (id),
    reason     text        NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    created_by jsonb       NOT NULL,
    PRIMARY KEY (tenant_id, item_id)
);

CREATE TABLE notices (
    id           uuid        PRIMARY KEY,
    tenant_id    text        NOT NULL,
    title        jsonb       NOT NULL,
    body         jsonb       NOT NULL,
    category     text        NOT NULL,
    publish_time timestamptz NOT NULL,
    published_by jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notices_tenant_time ON notices (tenant_id, publish_time DESC, id DESC);

-- Idempotency keys of creating calls (the gateway's Idempotency-Key, an ingested event
-- id): a repeat answers the first result; the same key with another body is refused.
CREATE TABLE idempotency_keys (
    scope       text        NOT NULL,
    key         text        NOT NULL,
    fingerprint text        NOT NULL,
    result_id   text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
