-- Enforcement service (移动执法监管): supervised subjects, inspectors and their conflicts,
-- checklists, inspection plans and their hash-chained draws, inspections, and each
-- inspection's hash-chained evidence with the stored files.

CREATE TABLE subjects (
    id uuid PRIMARY KEY,
    tenant_id text NOT NULL,
    name text NOT NULL,
    credit_code text NOT NULL,
    address text NOT NULL,
    latitude double precision,
    longitude double precision,
    category text NOT NULL,
    risk_level text NOT NULL CHECK (risk_level IN ('low', 'medium', 'high')),
    contact_phone text NOT NULL,
    -- The day of the last completed inspection (China Standard Time): the draw leaves out recent ones.
    last_inspected date,
    create_time timestamptz NOT NULL,
    update_time timestamptz NOT NULL,
    UNIQUE (tenant_id, credit_code)
);
CREATE INDEX subjects_by_category ON subjects (tenant_id, category);
CREATE INDEX subjects_by_name ON subjects (tenant_id, name text_pattern_ops);

CREATE TABLE inspectors (
    tenant_id text NOT NULL,
    user_id text NOT NULL,
    certificate text NOT NULL,
    categories text[] NOT NULL,
    update_time timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    UNIQUE (certificate)
);

CREATE TABLE conflicts (
    tenant_id text NOT NULL,
    user_id text NOT NULL,
    subject_id uuid NOT NULL REFERENCES subjects (id),
    reason text NOT NULL,
    create_time timestamptz NOT NULL,
    PRIMARY KEY (user_id, subject_id)
);

CREATE TABLE checklists (
    tenant_id text NOT NULL,
    category text NOT NULL,
    version integer NOT NULL CHECK (version > 0),
    items jsonb NOT NULL,
    create_by text NOT NULL,
    create_time timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, category, version)
);

CREATE TABLE plans (
    id uuid PRIMARY KEY,
    tenant_id text NOT NULL,
    name text NOT NULL,
    category text NOT NULL,
    ratio_percent integer NOT NULL CHECK (ratio_percent BETWEEN 0 AND 100),
    sample_count integer NOT NULL CHECK (sample_count >= 0),
    start_date date NOT NULL,
    end_date date NOT NULL CHECK (end_date >= start_date),
    exclude_days integer NOT NULL CHECK (exclude_days >= 0),
    inspector_ids text[] NOT NULL,
    publish_within_days integer NOT NULL CHECK (publish_within_days BETWEEN 1 AND 60),
    status text NOT NULL CHECK (status IN ('draft', 'drawn', 'published')),
    -- The 一公开 notice: due when every inspection completed (or the window ended) plus the days.
    notice_due_time timestamptz,
    notice_time timestamptz,
    create_by text NOT NULL,
    create_time timestamptz NOT NULL,
    version integer NOT NULL
);
CREATE INDEX plans_by_tenant ON plans (tenant_id, create_time DESC);
CREATE INDEX plans_notice_due ON plans (notice_due_time) WHERE notice_time IS NULL AND notice_due_time IS NOT NULL;

-- Every draw and redraw of every plan of a tenant, in one hash chain per tenant.
CREATE TABLE draws (
    tenant_id text NOT NULL,
    seq integer NOT NULL,
    id uuid NOT NULL UNIQUE,
    plan_id uuid NOT NULL REFERENCES plans (id),
    kind text NOT NULL CHECK (kind IN ('draw', 'redraw')),
    entry jsonb NOT NULL,
    hash text NOT NULL,
    -- A redraw replaces the draw before it; both stay on record.
    current boolean NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE UNIQUE INDEX draws_one_current ON draws (plan_id) WHERE current;

CREATE TABLE draw_heads (
    tenant_id text PRIMARY KEY,
    count integer NOT NULL,
    hash text NOT NULL
);

CREATE TABLE inspections (
    id uuid PRIMARY KEY,
    tenant_id text NOT NULL,
    plan_id uuid REFERENCES plans (id),
    draw_id uuid,
    subject_id uuid NOT NULL REFERENCES subjects (id),
    inspector_ids text[] NOT NULL CHECK (cardinality(inspector_ids) = 2),
    category text NOT NULL,
    checklist jsonb NOT NULL,
    checklist_version integer NOT NULL,
    due_date date NOT NULL,
    status text NOT NULL CHECK (status IN ('assigned', 'in_progress', 'recorded', 'completed', 'cancelled')),
    answers jsonb NOT NULL,
    outcome text NOT NULL,
    rectify_due_date date,
    outcome_note text NOT NULL,
    submit_request_id text NOT NULL,
    confirmations jsonb NOT NULL,
    representative_signature_sha256 text NOT NULL,
    follow_up_of uuid UNIQUE REFERENCES inspections (id),
    case_id text NOT NULL,
    evidence_count integer NOT NULL,
    evidence_head text NOT NULL,
    start_time timestamptz,
    complete_time timestamptz,
    create_time timestamptz NOT NULL,
    version integer NOT NULL
);
CREATE INDEX inspections_by_plan ON inspections (plan_id);
CREATE INDEX inspections_by_inspector ON inspections USING gin (inspector_ids);
CREATE INDEX inspections_rectify_due ON inspections (rectify_due_date)
    WHERE status = 'completed' AND outcome = 'rectify';
CREATE INDEX inspections_case_due ON inspections (complete_time) WHERE status = 'completed' AND outcome = 'case' AND case_id = '';

CREATE TABLE evidence (
    inspection_id uuid NOT NULL REFERENCES inspections (id),
    seq integer NOT NULL CHECK (seq > 0),
    request_id text NOT NULL,
    entry jsonb NOT NULL,
    hash text NOT NULL,
    PRIMARY KEY (inspection_id, seq),
    UNIQUE (inspection_id, request_id)
);

-- The bytes, apart from the chain: what `mgov evidence verify` hashes again.
CREATE TABLE evidence_files (
    inspection_id uuid NOT NULL,
    seq integer NOT NULL,
    content bytea NOT NULL,
    PRIMARY KEY (inspection_id, seq)
);
