-- The workflow service's working calendars (mgov.workflow.calendar.updated) as a service
-- projects them (mgov_common.calendars), for services that count working days. It runs
-- after the service's own migrations: a service that created these tables itself before
-- the platform owned them (appointment) keeps its rows.
-- One row per day that differs from Monday–Friday, per tenant; a newer event replaces the year.
CREATE TABLE IF NOT EXISTS calendar_days (
    tenant_id text    NOT NULL,
    day       date    NOT NULL,
    working   boolean NOT NULL,
    name      text    NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, day)
);
CREATE TABLE IF NOT EXISTS calendar_years (
    tenant_id  text        NOT NULL,
    year       int         NOT NULL,
    event_time timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, year)
);
