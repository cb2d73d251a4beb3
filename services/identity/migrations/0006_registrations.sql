-- Registrations waiting for the code sent by SMS (docs/identity.md, "Registration").
-- No user exists until the code is confirmed. The phone is kept encrypted (field key,
-- associated data naming the row) with lookup HMACs of the number and of its 7-digit
-- prefix for the rate limits; the code only as an HMAC (the lookup key, so six digits
-- cannot be brute-forced from a copy of the table). Rows are pruned a day after they
-- expire, keeping the rate-limit window's history.
CREATE TABLE registrations (
    id              uuid PRIMARY KEY,
    tenant_id       text NOT NULL REFERENCES tenants (id),
    name            text NOT NULL,
    phone_cipher    bytea NOT NULL,
    phone_key_id    text NOT NULL,
    phone_lookup    bytea NOT NULL,
    prefix_lookup   bytea NOT NULL,
    password_hash   text NOT NULL,
    code_hash       bytea NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'locked')),
    source_address  text NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL
);
CREATE INDEX registrations_by_address ON registrations (source_address, created_at);
CREATE INDEX registrations_by_prefix ON registrations (prefix_lookup, created_at);
CREATE INDEX registrations_by_phone ON registrations (phone_lookup, created_at);
CREATE INDEX registrations_by_expiry ON registrations (expires_at);
