-- The appointment service (网上预约): halls, seat counters of slots, bookings, the
-- halls' daily queues, no-show blocks, per-tenant rules, and a projection of the
-- workflow service's working calendars (holidays and 调休).

CREATE TABLE halls (
    id                    uuid        PRIMARY KEY,
    tenant_id             text        NOT NULL,
    name                  jsonb       NOT NULL,
    address               text        NOT NULL DEFAULT '',
    latitude              double precision NOT NULL DEFAULT 0,
    longitude             double precision NOT NULL DEFAULT 0,
    -- [{"weekday": 1..7, "open": "HH:MM", "close": "HH:MM"}], China Standard Time
    opening_hours         jsonb       NOT NULL,
    windows               int         NOT NULL CHECK (windows BETWEEN 1 AND 500),
    booking_days          int         NOT NULL CHECK (booking_days BETWEEN 1 AND 60),
    cancel_cutoff_minutes int         NOT NULL CHECK (cancel_cutoff_minutes BETWEEN 0 AND 10080),
    created_at            timestamptz NOT NULL
);
CREATE INDEX halls_tenant ON halls (tenant_id);

-- The items a hall serves, each with its slot length and seats per slot.
CREATE TABLE hall_services (
    hall_id      uuid  NOT NULL REFERENCES halls (id) ON DELETE CASCADE,
    service_id   uuid  NOT NULL,
    service_name jsonb NOT NULL,
    slot_minutes int   NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
    capacity     int   NOT NULL CHECK (capacity BETWEEN 1 AND 1000),
    PRIMARY KEY (hall_id, service_id)
);
CREATE INDEX hall_services_service ON hall_services (service_id);

-- One row per slot that was ever booked or changed: its seat counter. A booking takes
-- a seat with `UPDATE slots SET booked = booked + 1 WHERE ... AND booked < capacity`
-- (the row lock serialises concurrent bookings of one slot); the CHECK is the last
-- guard that no statement can oversell.
CREATE TABLE slots (
    hall_id    uuid        NOT NULL,
    service_id uuid        NOT NULL,
    start_at   timestamptz NOT NULL,
    end_at     timestamptz NOT NULL,
    capacity   int         NOT NULL CHECK (capacity >= 0),
    booked     int         NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
    -- A capacity set by the hall's admin (kept when the hall's default changes).
    overridden boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (hall_id, service_id, start_at)
);

CREATE TABLE appointments (
    id             uuid        PRIMARY KEY,
    tenant_id      text        NOT NULL,
    hall_id        uuid        NOT NULL REFERENCES halls (id),
    service_id     uuid        NOT NULL,
    citizen_id     text        NOT NULL,
    start_at       timestamptz NOT NULL,
    end_at         timestamptz NOT NULL,
    -- The slot's date in China Standard Time: the queue day.
    day            date        NOT NULL,
    status         text        NOT NULL CHECK (status IN ('booked', 'cancelled', 'checked_in', 'called', 'no_show')),
    code           text        NOT NULL,
    application_id uuid,
    request_id     text        NOT NULL DEFAULT '',
    request_hash   text        NOT NULL DEFAULT '',
    ticket         int,
    check_in_at    timestamptz,
    call_at        timestamptz,
    cancel_at      timestamptz,
    no_show_at     timestamptz,
    cancel_reason  text        NOT NULL DEFAULT '',
    reminded_day_at  timestamptz,
    reminded_hour_at timestamptz,
    created_at     timestamptz NOT NULL,
    version        int         NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX appointments_code ON appointments (hall_id, code);
-- One active booking per citizen and item.
CREATE UNIQUE INDEX appointments_one_active ON appointments (citizen_id, service_id) WHERE status = 'booked';
CREATE UNIQUE INDEX appointments_request ON appointments (citizen_id, request_id) WHERE request_id <> '';
CREATE UNIQUE INDEX appointments_ticket ON appointments (hall_id, day, ticket) WHERE ticket IS NOT NULL;
CREATE INDEX appointments_citizen ON appointments (citizen_id, start_at);
CREATE INDEX appointments_booked_start ON appointments (start_at) WHERE status = 'booked';
CREATE INDEX appointments_slot ON appointments (hall_id, service_id, start_at) WHERE status = 'booked';
CREATE INDEX appointments_no_shows ON appointments (tenant_id, citizen_id, no_show_at) WHERE status = 'no_show';

-- Each hall's queue per day: the last ticket given and the last one called.
CREATE TABLE queue_days (
    hall_id     uuid NOT NULL,
    day         date NOT NULL,
    last_ticket int  NOT NULL DEFAULT 0,
    last_called int  NOT NULL DEFAULT 0,
    PRIMARY KEY (hall_id, day)
);

-- A citizen blocked from booking in a tenant after too many no-shows.
CREATE TABLE booking_blocks (
    tenant_id  text        NOT NULL,
    citizen_id text        NOT NULL,
    until      timestamptz NOT NULL,
    no_shows   int         NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, citizen_id)
);

-- Per-tenant no-show rules; NULL inherits from the nearest ancestor, then the default.
CREATE TABLE tenant_rules (
    tenant_id    text PRIMARY KEY,
    no_show_limit int CHECK (no_show_limit BETWEEN 1 AND 100),
    window_days   int CHECK (window_days BETWEEN 1 AND 366),
    block_days    int CHECK (block_days BETWEEN 1 AND 366)
);

-- The workflow service's calendars (mgov.workflow.calendar.updated): one row per day
-- that differs from Monday–Friday, per tenant; a newer event replaces the year.
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
    event_time timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, year)
);
