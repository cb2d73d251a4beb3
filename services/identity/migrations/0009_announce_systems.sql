-- Services that apply tenant systems' events (workflow, catalog) keep a projection of the
-- systems, fed by identity's system events (mgov_common.systems). Systems registered
-- before those events existed are announced once here, through the outbox like every
-- event: an `updated` event for an active system, `revoked` for a revoked one.
WITH announced AS (
    SELECT gen_random_uuid() AS event_id, s.*, CASE WHEN s.status = 'revoked' THEN 'revoked' ELSE 'updated' END AS verb
    FROM systems s
)
INSERT INTO outbox (id, subject, type, payload)
SELECT event_id,
       'mgov.evt.' || tenant_id || '.identity.system.' || verb,
       'mgov.identity.system.' || verb || '.v1',
       jsonb_build_object(
           'specversion', '1.0',
           'id', event_id::text,
           'source', 'mgov/identity',
           'type', 'mgov.identity.system.' || verb || '.v1',
           'subject', id::text,
           'time', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           'datacontenttype', 'application/json',
           'tenant', tenant_id,
           'data', jsonb_build_object(
               'id', id::text, 'tenant_id', tenant_id, 'name', name, 'event_types', to_jsonb(event_types),
               'status', status, 'credentials_version', credentials_version)
       )::text
FROM announced;
