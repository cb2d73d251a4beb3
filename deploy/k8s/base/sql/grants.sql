-- One PostgreSQL role per service, with rights on its own schema only.
--
-- Run by the migrate Job (deploy/k8s/base/migrate-job.yaml) as the database owner,
-- before `mgov migrate`, on every sync; idempotent. The roles themselves (LOGIN, no
-- other attribute, a password from the Secret mgov-db-<service>) are managed by
-- CloudNativePG (`spec.managed.roles` of the Cluster).
--
-- The owner (the app user of the Cluster) owns every schema and, through
-- `mgov migrate`, every table. Each service's role gets:
--   * CONNECT and TEMPORARY on the database, nothing on the others' schemas;
--   * USAGE on its schema (no CREATE: schema changes come only from migrations);
--   * SELECT, INSERT, UPDATE, DELETE on its tables and USAGE, SELECT, UPDATE on its
--     sequences: those that exist now (GRANT ... ON ALL), and those that later
--     migrations create (ALTER DEFAULT PRIVILEGES FOR ROLE <owner>).
-- PUBLIC loses CONNECT on the database and CREATE on schema public, so a role that is
-- not listed here can do nothing.
DO $grants$
DECLARE
    owner text := current_user;
    svc text;
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE 'REVOKE CREATE ON SCHEMA public FROM PUBLIC';
    FOREACH svc IN ARRAY ARRAY['identity', 'catalog', 'workflow', 'notify', 'appointment', 'payment', 'enforcement', 'insight'] LOOP
        EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), svc);
        EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', svc);
        EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', svc, owner);
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', svc);
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', svc, svc);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', svc, svc);
        EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO %I', svc, svc);
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', owner, svc, svc);
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %I', owner, svc, svc);
    END LOOP;
END
$grants$;
