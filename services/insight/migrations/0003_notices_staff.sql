-- Notices (信息公开) as catalog published them: a tenant whose newest notice is old has
-- stopped updating its public information.
CREATE TABLE notices (
    id           uuid        PRIMARY KEY,
    tenant_id    text        NOT NULL,
    title        jsonb       NOT NULL DEFAULT '{}',
    published_at timestamptz NOT NULL
);
CREATE INDEX notices_tenant ON notices (tenant_id, published_at DESC);

-- Who may act on an open case now (the roles of its current state), and since when.
ALTER TABLE cases ADD COLUMN eligible_roles text[] NOT NULL DEFAULT '{}';
ALTER TABLE cases ADD COLUMN state_since timestamptz;
CREATE INDEX cases_open ON cases (tenant_id, department) WHERE finished_at IS NULL;

-- Staff accounts as identity lists them (its staff listing, read by insight): an account
-- that never signed in since insight began watching is still known, with its last
-- sign-in as identity stored it. Kept across a rebuild (merged: sign-ins only move forward).
ALTER TABLE accounts ALTER COLUMN last_sign_in_at DROP NOT NULL;
ALTER TABLE accounts ADD COLUMN created_at timestamptz;
-- When `roles` was true: a sign-in event's time or the listing's; the newer wins.
ALTER TABLE accounts ADD COLUMN roles_at timestamptz;
UPDATE accounts SET roles_at = last_sign_in_at;

-- New thresholds (days); existing rows take the defaults.
ALTER TABLE thresholds ADD COLUMN notice_stale_days int NOT NULL DEFAULT 180 CHECK (notice_stale_days BETWEEN 0 AND 3650);
ALTER TABLE thresholds ADD COLUMN department_unstaffed_days int NOT NULL DEFAULT 1 CHECK (department_unstaffed_days BETWEEN 0 AND 3650);
