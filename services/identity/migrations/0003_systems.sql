-- Tenant back-office systems (docs/tenant-systems.md): members of the platform
-- X-Road style. Only hashes of their secrets are stored: the OAuth client secret as
-- argon2id, the NATS password as bcrypt (the hash the NATS server itself verifies, so
-- the generated authorization file never holds a password). The webhook secret must
-- sign every delivery, so it is stored encrypted (AES-GCM, the field key), not hashed.
CREATE TABLE systems (
    id                  uuid PRIMARY KEY,
    tenant_id           text NOT NULL REFERENCES tenants (id),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    event_types         text[] NOT NULL,
    client_id           text NOT NULL UNIQUE,
    client_secret_hash  text NOT NULL,
    nats_user           text NOT NULL UNIQUE,
    nats_password_hash  text NOT NULL,
    webhook_url         text,
    webhook_secret_cipher bytea,
    webhook_secret_key_id text,
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
    credentials_version bigint NOT NULL DEFAULT 1,
    created_by          text,
    created_at          timestamptz NOT NULL,
    rotated_at          timestamptz,
    revoked_at          timestamptz,
    UNIQUE (tenant_id, name)
);
CREATE INDEX systems_tenant ON systems (tenant_id, created_at, id);

-- Outbound webhook deliveries: one row per (platform event, system with a webhook),
-- with its stored retry schedule and the outcome of every attempt (the delivery log).
CREATE TABLE webhook_deliveries (
    id            uuid PRIMARY KEY,
    system_id     uuid NOT NULL REFERENCES systems (id),
    tenant_id     text NOT NULL,
    event_id      uuid NOT NULL,
    event_type    text NOT NULL,
    body          text NOT NULL,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_status_code integer,
    last_error    text,
    created_at    timestamptz NOT NULL,
    delivered_at  timestamptz,
    UNIQUE (system_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_tenant ON webhook_deliveries (tenant_id, created_at DESC, id);
