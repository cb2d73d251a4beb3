-- Notify service schema (docs/notify.md). Every row of a user-facing table is scoped
-- by its recipient; tenant_id is the tenant of the case or notice that caused it.

-- Identity's tenant tree, projected from identity.tenant.created|updated events:
-- template inheritance and notice subscriptions walk it.
CREATE TABLE tenants (
    id            text PRIMARY KEY,
    parent_id     text,
    division_code text        NOT NULL,
    level         text        NOT NULL,
    name          jsonb       NOT NULL,
    status        text        NOT NULL,
    event_time    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Versioned templates per (tenant, key, channel, locale); the latest version is used.
CREATE TABLE templates (
    id         uuid PRIMARY KEY,
    tenant_id  text        NOT NULL,
    key        text        NOT NULL,
    channel    text        NOT NULL CHECK (channel IN ('in_app', 'push', 'sms')),
    locale     text        NOT NULL,
    version    integer     NOT NULL CHECK (version > 0),
    category   text        NOT NULL,
    title      text        NOT NULL,
    body       text        NOT NULL,
    urgent     boolean     NOT NULL,
    created_at timestamptz NOT NULL,
    created_by jsonb       NOT NULL,
    UNIQUE (tenant_id, key, channel, locale, version)
);
CREATE INDEX templates_lookup ON templates (key, tenant_id);

CREATE TABLE preferences (
    user_id        text PRIMARY KEY,
    overrides      jsonb       NOT NULL DEFAULT '[]',
    quiet_start    text,
    quiet_end      text,
    locale         text        NOT NULL DEFAULT 'zh-CN',
    time_zone      text        NOT NULL DEFAULT 'Asia/Shanghai',
    notice_tenants text[]      NOT NULL DEFAULT '{}',
    updated_at     timestamptz NOT NULL
);
CREATE INDEX preferences_notice_tenants ON preferences USING gin (notice_tenants);

-- The in-app inbox: one row per (event, recipient).
CREATE TABLE notifications (
    id           uuid PRIMARY KEY,
    seq          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    event_id     uuid        NOT NULL,
    recipient_id text        NOT NULL,
    tenant_id    text        NOT NULL,
    category     text        NOT NULL,
    template_key text        NOT NULL,
    locale       text        NOT NULL,
    title        text        NOT NULL,
    body         text        NOT NULL,
    link         text        NOT NULL DEFAULT '',
    data         jsonb       NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL,
    read_at      timestamptz,
    UNIQUE (event_id, recipient_id)
);
CREATE INDEX notifications_inbox ON notifications (recipient_id, seq DESC);
CREATE INDEX notifications_unread ON notifications (recipient_id) WHERE read_at IS NULL;

-- One row per (event, recipient, channel): in_app rows record what happened to the
-- inbox entry (delivered or validation_failed); push and SMS rows are worked by the
-- delivery worker (status, attempts, next attempt) until they end.
CREATE TABLE deliveries (
    id                  uuid PRIMARY KEY,
    notification_id     uuid REFERENCES notifications (id) ON DELETE SET NULL,
    event_id            uuid        NOT NULL,
    recipient_id        text        NOT NULL,
    tenant_id           text        NOT NULL,
    channel             text        NOT NULL CHECK (channel IN ('in_app', 'push', 'sms')),
    category            text        NOT NULL,
    template_key        text        NOT NULL,
    urgent              boolean     NOT NULL DEFAULT false,
    status              text        NOT NULL CHECK (status IN ('created', 'sending', 'delivered', 'temporary_failure',
                                                               'permanent_failure', 'technical_failure', 'validation_failed')),
    attempts            integer     NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz,
    last_error          text        NOT NULL DEFAULT '',
    destination         text        NOT NULL DEFAULT '',
    provider_message_id text        NOT NULL DEFAULT '',
    payload             jsonb       NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    UNIQUE (event_id, recipient_id, channel)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('created', 'sending', 'temporary_failure');
CREATE INDEX deliveries_tenant ON deliveries (tenant_id, created_at DESC, id DESC);

CREATE TABLE devices (
    id           uuid PRIMARY KEY,
    user_id      text        NOT NULL,
    platform     text        NOT NULL CHECK (platform IN ('web', 'android', 'ios', 'harmony')),
    token        text        NOT NULL,
    token_hash   bytea       NOT NULL,
    name         text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    UNIQUE (platform, token_hash)
);
CREATE INDEX devices_user ON devices (user_id, created_at DESC);

-- Token buckets of the per-tenant sending rate, shared by every worker.
CREATE TABLE rate_buckets (
    tenant_id  text             NOT NULL,
    channel    text             NOT NULL,
    tokens     double precision NOT NULL,
    updated_at timestamptz      NOT NULL,
    PRIMARY KEY (tenant_id, channel)
);

-- 好差评 invitations: due three days after a case closes, cancelled by a rating.
CREATE TABLE rating_invitations (
    application_id uuid PRIMARY KEY,
    applicant_id   text        NOT NULL,
    tenant_id      text        NOT NULL,
    case_number    text        NOT NULL,
    service_name   jsonb       NOT NULL DEFAULT '{}',
    due_at         timestamptz NOT NULL,
    status         text        NOT NULL CHECK (status IN ('pending', 'sent', 'cancelled')),
    fired_at       timestamptz,
    created_at     timestamptz NOT NULL
);
CREATE INDEX rating_invitations_due ON rating_invitations (due_at) WHERE status = 'pending';
