-- Invitations to be staff of a tenant (docs/identity.md, "Staff invitations"). An admin
-- invites a phone number; whoever holds that number (now, or after registering it)
-- accepts or declines. The phone is kept only as its lookup HMAC, like users'.
CREATE TABLE staff_invitations (
    id            uuid PRIMARY KEY,
    tenant_id     text NOT NULL REFERENCES tenants (id),
    phone_lookup  bytea NOT NULL,
    phone_masked  text NOT NULL,
    roles         text[] NOT NULL CHECK (cardinality(roles) > 0),
    invited_by    text NOT NULL,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    answered_at   timestamptz,
    answered_by   uuid
);
CREATE INDEX staff_invitations_phone ON staff_invitations (phone_lookup, status, expires_at);
