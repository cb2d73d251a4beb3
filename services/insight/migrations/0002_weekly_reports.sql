-- The weekly 运营 report of each province and city, published once per week (the row is
-- written with the report's event, so a restart or a second replica never sends it twice).
CREATE TABLE weekly_reports (
    tenant_id    text        NOT NULL,
    week_start   date        NOT NULL,
    published_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, week_start)
);
