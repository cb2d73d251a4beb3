-- The insight service (运营): what the platform's events say about use and quality, kept
-- as daily aggregates and the few per-entity facts the aggregates cannot answer (a case's
-- duration for medians, an item's last application for zombies). Everything here but
-- `thresholds` and `zombie_actions` is rebuilt from the streams (`mgov insight rebuild`).

-- Items as catalog published them.
CREATE TABLE items (
    id                  uuid        PRIMARY KEY,
    tenant_id           text        NOT NULL,
    code                text        NOT NULL DEFAULT '',
    name                jsonb       NOT NULL DEFAULT '{}',
    department          text        NOT NULL DEFAULT '',
    status              text        NOT NULL CHECK (status IN ('published', 'retired')),
    promised_limit_days int,
    first_published_at  timestamptz NOT NULL,
    -- A new version is a review of the guide.
    reviewed_at         timestamptz NOT NULL,
    last_application_at timestamptz
);
CREATE INDEX items_tenant ON items (tenant_id, id);

-- One row per case: when it was submitted and finished, how, and whether it was sent back (补正).
CREATE TABLE cases (
    id           uuid        PRIMARY KEY,
    tenant_id    text        NOT NULL,
    item_id      uuid        NOT NULL,
    department   text        NOT NULL DEFAULT '',
    channel      text        NOT NULL,
    submitted_at timestamptz NOT NULL,
    due_at       timestamptz,
    supplemented boolean     NOT NULL DEFAULT false,
    finished_at  timestamptz,
    outcome      text CHECK (outcome IN ('completed', 'rejected', 'withdrawn')),
    on_time      boolean,
    working_days double precision
);
CREATE INDEX cases_item_finished ON cases (item_id, finished_at);

-- Daily counters per tenant, item and channel (app | system); `day` is the China date.
CREATE TABLE daily (
    day          date   NOT NULL,
    tenant_id    text   NOT NULL,
    item_id      uuid   NOT NULL,
    channel      text   NOT NULL,
    department   text   NOT NULL DEFAULT '',
    guide_views  bigint NOT NULL DEFAULT 0,
    started      bigint NOT NULL DEFAULT 0,
    submitted    bigint NOT NULL DEFAULT 0,
    completed    bigint NOT NULL DEFAULT 0,
    rejected     bigint NOT NULL DEFAULT 0,
    withdrawn    bigint NOT NULL DEFAULT 0,
    on_time      bigint NOT NULL DEFAULT 0,
    supplemented bigint NOT NULL DEFAULT 0,
    ratings      bigint NOT NULL DEFAULT 0,
    rating_sum   bigint NOT NULL DEFAULT 0,
    negative     bigint NOT NULL DEFAULT 0,
    rect_opened  bigint NOT NULL DEFAULT 0,
    rect_closed  bigint NOT NULL DEFAULT 0,
    sla_breaches bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, tenant_id, item_id, channel)
);
CREATE INDEX daily_item ON daily (item_id, day);

-- Rectification tasks (整改) opened by poor ratings.
CREATE TABLE rectifications (
    id         uuid        PRIMARY KEY,
    tenant_id  text        NOT NULL,
    item_id    uuid,
    department text        NOT NULL DEFAULT '',
    due_at     timestamptz,
    status     text        NOT NULL CHECK (status IN ('open', 'closed')),
    opened_at  timestamptz NOT NULL
);
CREATE INDEX rectifications_item ON rectifications (item_id) WHERE status = 'open';

-- Tenant systems as identity registered them, and the last event one sent.
CREATE TABLE systems (
    id            text        PRIMARY KEY,
    tenant_id     text        NOT NULL,
    name          text        NOT NULL DEFAULT '',
    status        text        NOT NULL CHECK (status IN ('active', 'revoked')),
    registered_at timestamptz NOT NULL,
    last_seen_at  timestamptz
);

-- Staff accounts as their sign-ins show them.
CREATE TABLE accounts (
    user_id         uuid        PRIMARY KEY,
    tenant_id       text        NOT NULL,
    name            text        NOT NULL DEFAULT '',
    roles           text[]      NOT NULL DEFAULT '{}',
    last_sign_in_at timestamptz NOT NULL,
    disabled        boolean     NOT NULL DEFAULT false
);

-- Zombie thresholds a tenant set for itself and its subtree (not rebuilt: not from events).
CREATE TABLE thresholds (
    tenant_id          text        PRIMARY KEY,
    item_unused_days   int         NOT NULL CHECK (item_unused_days BETWEEN 0 AND 3650),
    guide_stale_days   int         NOT NULL CHECK (guide_stale_days BETWEEN 0 AND 3650),
    system_silent_days int         NOT NULL CHECK (system_silent_days BETWEEN 0 AND 3650),
    account_idle_days  int         NOT NULL CHECK (account_idle_days BETWEEN 0 AND 3650),
    updated_at         timestamptz NOT NULL,
    updated_by         text        NOT NULL
);

-- Every action taken from the zombie list, refused ones too (the audit of this service).
CREATE TABLE zombie_actions (
    id          uuid        PRIMARY KEY,
    tenant_id   text        NOT NULL,
    kind        text        NOT NULL,
    target_id   text        NOT NULL,
    action      text        NOT NULL,
    reason      text        NOT NULL DEFAULT '',
    outcome     text        NOT NULL CHECK (outcome IN ('success', 'failure')),
    error       text        NOT NULL DEFAULT '',
    actor_id    text        NOT NULL,
    actor_tenant text       NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX zombie_actions_tenant ON zombie_actions (tenant_id, created_at DESC);
