-- The workflow service: versioned definitions, cases with timelines, materials
-- and their bytes, working-day calendars, SLA timers, ratings and rectification tasks,
-- and projections of identity's tenant tree and catalog's published item versions.

-- Tenants as identity announces them (identity.tenant.created|updated); event_time keeps
-- a late, older event from winning.
CREATE TABLE tenants (
    id            text        PRIMARY KEY,
    parent_id     text,
    division_code text        NOT NULL,
    level         text        NOT NULL,
    name          jsonb       NOT NULL,
    status        text        NOT NULL,
    event_time    timestamptz NOT NULL
);
CREATE INDEX tenants_parent ON tenants (parent_id);

-- Per-tenant settings of this service; NULL = inherit from the nearest ancestor.
CREATE TABLE tenant_settings (
    tenant_id          text PRIMARY KEY,
    case_prefix        text CHECK (case_prefix ~ '^[A-Z]{1,6}$'),
    rectification_days int  CHECK (rectification_days BETWEEN 1 AND 60),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Published item versions as catalog announces them (catalog.item.published), or as
-- fetched from catalog on a miss. Versions are immutable, so a row never changes.
CREATE TABLE service_items (
    service_id  uuid        NOT NULL,
    version     int         NOT NULL,
    tenant_id   text        NOT NULL,
    data        jsonb       NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, version)
);
CREATE TABLE retired_items (
    service_id uuid PRIMARY KEY,
    retired_at timestamptz NOT NULL
);

-- Workflow definitions: every save is a new immutable version.
CREATE TABLE definitions (
    tenant_id  text        NOT NULL,
    id         text        NOT NULL,
    version    int         NOT NULL CHECK (version > 0),
    body       jsonb       NOT NULL,
    created_at timestamptz NOT NULL,
    created_by jsonb       NOT NULL,
    PRIMARY KEY (tenant_id, id, version)
);

-- Days that differ from Monday–Friday working weeks (holidays on weekdays, 调休 working
-- weekends). A tenant's own days override its ancestors' day by day.
CREATE TABLE calendar_days (
    tenant_id text    NOT NULL,
    day       date    NOT NULL,
    working   boolean NOT NULL,
    name      text    NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, day)
);
CREATE TABLE calendar_years (
    tenant_id  text        NOT NULL,
    year       int         NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, year)
);

-- Cases. `version` is the optimistic-concurrency version (HTTP ETag). SLA columns:
-- the case clock has a budget of working seconds; `case_used_s` is what earlier running
-- segments consumed and `case_segment_start` the start of the running one (NULL while
-- paused), so due times can be re-derived under a changed calendar.
CREATE TABLE applications (
    id                  uuid        PRIMARY KEY,
    case_number         text        NOT NULL UNIQUE,
    tenant_id           text        NOT NULL,
    service_id          uuid        NOT NULL,
    service_version     int         NOT NULL,
    service_name        jsonb       NOT NULL,
    department          text        NOT NULL DEFAULT '',
    applicant_id        text        NOT NULL,
    applicant_tenant_id text        NOT NULL,
    status              text        NOT NULL,
    terminal            boolean     NOT NULL DEFAULT false,
    form                jsonb       NOT NULL,
    version             bigint      NOT NULL DEFAULT 1,
    last_seq            int         NOT NULL DEFAULT 1,
    definition_tenant   text        NOT NULL,
    definition_id       text        NOT NULL,
    definition_version  int         NOT NULL,
    assignee_id         text,
    -- "tenant:role" pairs that may act now (the inbox matches the caller's pairs).
    eligible            text[]      NOT NULL DEFAULT '{}',
    submitted_at        timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    completed_at        timestamptz,
    state_entered_at    timestamptz NOT NULL,
    state_seq           int         NOT NULL DEFAULT 1,
    state_budget_s      double precision,
    state_due_at        timestamptz,
    case_budget_s       double precision,
    case_used_s         double precision NOT NULL DEFAULT 0,
    case_segment_start  timestamptz,
    case_due_at         timestamptz,
    paused_at           timestamptz,
    request_id          text,
    request_hash        text,
    UNIQUE (applicant_id, request_id)
);
CREATE INDEX applications_applicant ON applications (applicant_id, submitted_at DESC, id DESC);
CREATE INDEX applications_inbox ON applications USING gin (eligible) WHERE NOT terminal;
CREATE INDEX applications_tenant ON applications (tenant_id, status);

-- The timeline: one row per transition (and claim/assign), who, when, what, why.
CREATE TABLE transitions (
    application_id uuid        NOT NULL REFERENCES applications (id),
    seq            int         NOT NULL,
    action         text        NOT NULL,
    from_state     text        NOT NULL,
    to_state       text        NOT NULL,
    actor          jsonb       NOT NULL,
    comment        text        NOT NULL DEFAULT '',
    at             timestamptz NOT NULL,
    material_ids   uuid[]      NOT NULL DEFAULT '{}',
    request_id     text,
    PRIMARY KEY (application_id, seq),
    UNIQUE (application_id, request_id)
);

-- Uploaded materials; application_id is NULL while held for a submission to come.
CREATE TABLE materials (
    id             uuid        PRIMARY KEY,
    application_id uuid        REFERENCES applications (id),
    owner_id       text        NOT NULL,
    material_code  text        NOT NULL DEFAULT '',
    filename       text        NOT NULL,
    content_type   text        NOT NULL,
    sha256         text        NOT NULL,
    size_bytes     bigint      NOT NULL,
    storage_key    text        NOT NULL,
    uploaded_by    jsonb       NOT NULL,
    created_at     timestamptz NOT NULL
);
CREATE INDEX materials_application ON materials (application_id);

-- The PostgreSQL file store (adapters/file_store.py), keyed by content hash + id.
CREATE TABLE file_blobs (
    key        text        PRIMARY KEY,
    content    bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- SLA timers. One row per (case, scope, kind, instance): `instance` is the timeline seq
-- that entered the state for scope 'state', 0 for scope 'case'. A fired row stays, so a
-- re-planned timer with the same key is never fired twice.
CREATE TABLE timers (
    id             bigserial   PRIMARY KEY,
    application_id uuid        NOT NULL REFERENCES applications (id),
    scope          text        NOT NULL CHECK (scope IN ('state', 'case')),
    kind           text        NOT NULL CHECK (kind IN ('warning', 'breached')),
    instance       int         NOT NULL,
    state          text        NOT NULL,
    fire_at        timestamptz NOT NULL,
    due_at         timestamptz NOT NULL,
    fired_at       timestamptz,
    fired_by       text,
    UNIQUE (application_id, scope, kind, instance)
);
CREATE INDEX timers_due ON timers (fire_at) WHERE fired_at IS NULL;

-- 好差评: one rating per case.
CREATE TABLE ratings (
    application_id   uuid        PRIMARY KEY REFERENCES applications (id),
    tenant_id        text        NOT NULL,
    service_id       uuid        NOT NULL,
    service_name     jsonb       NOT NULL,
    department       text        NOT NULL,
    applicant_id     text        NOT NULL,
    score            int         NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment          text        NOT NULL DEFAULT '',
    rectification_id uuid,
    created_at       timestamptz NOT NULL
);
CREATE INDEX ratings_tenant ON ratings (tenant_id, created_at);

-- 整改: opened by a rating of 1 or 2, closed with a recorded callback and outcome.
CREATE TABLE rectifications (
    id             uuid        PRIMARY KEY,
    application_id uuid        NOT NULL UNIQUE REFERENCES applications (id),
    tenant_id      text        NOT NULL,
    department     text        NOT NULL,
    score          int         NOT NULL,
    rating_comment text        NOT NULL DEFAULT '',
    status         text        NOT NULL CHECK (status IN ('open', 'closed')),
    eligible       text[]      NOT NULL,
    assignee_id    text,
    due_at         timestamptz NOT NULL,
    callback       text        NOT NULL DEFAULT '',
    outcome        text        NOT NULL DEFAULT '',
    closed_by      jsonb,
    created_at     timestamptz NOT NULL,
    closed_at      timestamptz
);
CREATE INDEX rectifications_inbox ON rectifications USING gin (eligible) WHERE status = 'open';

-- Case-number serials per (prefix, year). Taken by the one statement that writes the
-- case (adapters/submission.py): the row lock lasts that statement, and a submission
-- that fails takes no number, so serials have no gaps.
CREATE TABLE case_counters (
    prefix text NOT NULL,
    year   int  NOT NULL,
    last   int  NOT NULL,
    PRIMARY KEY (prefix, year)
);
