-- The identity service's own schema: tenants, users and their roles, refresh-token
-- sessions, sign-in failure counters, signing keys and the hash-chained audit log.
-- Personal numbers (phone, national ID) are stored only as AES-GCM ciphertext with the
-- id of the key that encrypted them, plus an HMAC for equality lookups.

CREATE TABLE tenants (
    id            text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9-]{1,30}$'),
    parent_id     text REFERENCES tenants (id),
    division_code text NOT NULL UNIQUE CHECK (division_code ~ '^[1-9][0-9]{5}$'),
    level         text NOT NULL CHECK (level IN ('province', 'city', 'county')),
    name_zh       text NOT NULL CHECK (length(name_zh) BETWEEN 1 AND 100),
    name_en       text CHECK (length(name_en) <= 100),
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((level = 'province') = (parent_id IS NULL))
);
CREATE INDEX tenants_parent ON tenants (parent_id);

CREATE TABLE users (
    id                uuid PRIMARY KEY,
    tenant_id         text NOT NULL REFERENCES tenants (id),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    phone_lookup      bytea NOT NULL UNIQUE,
    phone_cipher      bytea NOT NULL,
    phone_key_id      text NOT NULL,
    national_id_lookup bytea UNIQUE,
    national_id_cipher bytea,
    national_id_key_id text,
    real_name         text,
    identity_level    smallint NOT NULL DEFAULT 1 CHECK (identity_level IN (1, 2)),
    password_hash     text NOT NULL,
    status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((national_id_cipher IS NULL) = (national_id_lookup IS NULL))
);
CREATE INDEX users_tenant ON users (tenant_id);

CREATE TABLE role_bindings (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id  text NOT NULL REFERENCES tenants (id),
    role       text NOT NULL CHECK (role IN ('citizen', 'clerk', 'approver', 'supervisor', 'tenant_admin', 'province_admin')),
    granted_by text,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, tenant_id, role)
);
CREATE INDEX role_bindings_tenant ON role_bindings (tenant_id, role);

-- One row per refresh token ever issued; a family is one sign-in and its rotations.
CREATE TABLE refresh_tokens (
    id             uuid PRIMARY KEY,
    family_id      uuid NOT NULL,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash     bytea NOT NULL UNIQUE,
    issued_at      timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    family_expires_at timestamptz NOT NULL,
    rotated_at     timestamptz,
    revoked_at     timestamptz,
    revoke_reason  text,
    source_address text,
    user_agent     text
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id) WHERE revoked_at IS NULL;

-- Failed sign-ins, per scope ('account' = lookup hash of the phone, 'address' = the
-- client's address); a lock row exists while a key is locked out.
CREATE TABLE sign_in_failures (
    id        bigserial PRIMARY KEY,
    scope     text NOT NULL CHECK (scope IN ('account', 'address')),
    key       text NOT NULL,
    failed_at timestamptz NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures (scope, key, failed_at);

CREATE TABLE sign_in_locks (
    scope        text NOT NULL CHECK (scope IN ('account', 'address')),
    key          text NOT NULL,
    locked_until timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);

-- Ed25519 keys signing access tokens; the private key is AES-GCM encrypted with the
-- field key `enc_key_id`. The newest unretired key signs; a retired key is still
-- published until `publish_until`, when the last token it signed has expired.
CREATE TABLE signing_keys (
    kid            text PRIMARY KEY,
    public_key     bytea NOT NULL CHECK (length(public_key) = 32),
    private_cipher bytea NOT NULL,
    enc_key_id     text NOT NULL,
    created_at     timestamptz NOT NULL,
    retired_at     timestamptz,
    publish_until  timestamptz
);

-- Security events, append-only; `hash` = HMAC(audit key, prev_hash || row), so an
-- edited, inserted or deleted row breaks the chain at that point.
CREATE TABLE audit_log (
    seq            bigint PRIMARY KEY CHECK (seq > 0),
    at             timestamptz NOT NULL,
    action         text NOT NULL,
    outcome        text NOT NULL CHECK (outcome IN ('success', 'failure')),
    actor_kind     text NOT NULL,
    actor_id       text,
    tenant_id      text,
    subject        text,
    source_address text,
    details        jsonb NOT NULL DEFAULT '{}'::jsonb,
    prev_hash      bytea NOT NULL,
    hash           bytea NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
