-- Every change to systems is announced on 'mgov_systems_<schema>' (delivered at commit),
-- so each replica's cache of the tenants with webhooks is dropped at once.
CREATE FUNCTION systems_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('mgov_systems_' || TG_TABLE_SCHEMA, '');
    RETURN NULL;
END $$;
CREATE TRIGGER systems_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON systems
    FOR EACH STATEMENT EXECUTE FUNCTION systems_changed();
