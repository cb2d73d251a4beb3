-- 随手拍 citizen reports. A report is a case (`applications.kind = 'report'`) on the
-- public_report workflow; what is its own is here: categories (inherited down the
-- tenant tree), tenant boundaries (GeoJSON), the place and the reporters.
ALTER TABLE applications ADD COLUMN kind text NOT NULL DEFAULT 'application' CHECK (kind IN ('application', 'report'));

CREATE TABLE report_categories (
    tenant_id   text        NOT NULL,
    code        text        NOT NULL,
    body        jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, code)
);

-- One boundary per tenant (a Polygon or MultiPolygon, [lng, lat]); `event_time` keeps a
-- late, older update from winning.
CREATE TABLE tenant_boundaries (
    tenant_id  text        PRIMARY KEY,
    geometry   jsonb       NOT NULL,
    source     text        NOT NULL,
    event_time timestamptz NOT NULL
);

CREATE TABLE reports (
    application_id  uuid             PRIMARY KEY REFERENCES applications (id),
    category        text             NOT NULL,
    category_tenant text             NOT NULL,
    lat             double precision NOT NULL,
    lng             double precision NOT NULL,
    address         text             NOT NULL DEFAULT '',
    description     text             NOT NULL,
    anonymous       boolean          NOT NULL DEFAULT false,
    result_public   boolean          NOT NULL DEFAULT true,
    resolved_at     timestamptz,
    reopen_count    int              NOT NULL DEFAULT 0,
    moves           int              NOT NULL DEFAULT 0
);
CREATE INDEX reports_place ON reports (category, lat, lng);

-- Everyone who reported the problem: the first reporter and those whose reports merged
-- into it. Each is told of its progress and rates it once.
CREATE TABLE report_reporters (
    application_id uuid        NOT NULL REFERENCES applications (id),
    user_id        text        NOT NULL,
    phone_masked   text        NOT NULL DEFAULT '',
    linked_at      timestamptz NOT NULL,
    score          int         CHECK (score BETWEEN 1 AND 5),
    comment        text        NOT NULL DEFAULT '',
    rated_at       timestamptz,
    PRIMARY KEY (application_id, user_id)
);
CREATE INDEX report_reporters_user ON report_reporters (user_id, linked_at DESC);
