-- Where the officers of a team under way last said they were (the supervisors' view of the
-- teams on duty): one row per inspection and inspector, replaced by each report.
CREATE TABLE team_positions (
    inspection_id uuid NOT NULL REFERENCES inspections (id),
    inspector_id text NOT NULL,
    latitude double precision NOT NULL,
    longitude double precision NOT NULL,
    accuracy_m double precision NOT NULL,
    receive_time timestamptz NOT NULL,
    PRIMARY KEY (inspection_id, inspector_id)
);

-- The teams under way, by tenant.
CREATE INDEX inspections_under_way ON inspections (tenant_id, start_time DESC) WHERE status IN ('in_progress', 'recorded');
