-- Identity's tenant tree as a service projects it (mgov_common.tenants), for services that
-- opt in. It runs after the service's own migrations: services that created this table
-- themselves before the platform owned it keep their rows, and only what is missing is
-- added (workflow's copy lacked updated_at, notify's the index the subtree walk uses).
CREATE TABLE IF NOT EXISTS tenants (
    id            text        PRIMARY KEY,
    parent_id     text,
    division_code text        NOT NULL,
    level         text        NOT NULL,
    name          jsonb       NOT NULL,
    status        text        NOT NULL,
    -- The CloudEvent time of the event stored: an older event never overwrites a newer one.
    event_time    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX IF NOT EXISTS tenants_parent ON tenants (parent_id);
