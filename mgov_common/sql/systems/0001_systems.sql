-- Identity's tenant systems as a service that applies their events projects them
-- (mgov_common.systems), for services that opt in: who a system is, its tenant, the
-- event types its registration grants, and whether it is still active. No secret of a
-- system is ever here: identity keeps credentials, tokens and webhook signing keys.
CREATE TABLE IF NOT EXISTS systems (
    id                  uuid        PRIMARY KEY,
    tenant_id           text        NOT NULL,
    name                text        NOT NULL,
    event_types         text[]      NOT NULL,
    status              text        NOT NULL CHECK (status IN ('active', 'revoked')),
    credentials_version bigint      NOT NULL,
    -- The CloudEvent time of the event stored: an older event never overwrites a newer one.
    event_time          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
