-- 行政处罚决定公示: one row per penalty case opened from an inspection. Its facts are
-- recorded as a draft; the entry is public from the case's decision (the workflow
-- service's `decided` state) until it is revoked.
CREATE TABLE penalty_decisions (
    case_id text PRIMARY KEY,
    inspection_id uuid NOT NULL REFERENCES inspections (id),
    tenant_id text NOT NULL,
    decision_number text NOT NULL DEFAULT '',
    summary text NOT NULL DEFAULT '',
    legal_basis text NOT NULL DEFAULT '',
    penalty text NOT NULL DEFAULT '',
    status text NOT NULL CHECK (status IN ('draft', 'published', 'retracted')),
    -- As published: an individual business's name is not.
    subject_name text NOT NULL DEFAULT '',
    credit_code text NOT NULL DEFAULT '',
    decision_date date,
    publish_time timestamptz,
    retract_time timestamptz,
    update_by text NOT NULL,
    update_time timestamptz NOT NULL
);
CREATE INDEX penalty_decisions_public ON penalty_decisions (tenant_id, publish_time DESC, case_id) WHERE status = 'published';
CREATE INDEX inspections_by_case ON inspections (case_id) WHERE case_id <> '';
