-- Each tenant's effective list worked out once per transaction, not once per changed row.
-- The triggers of 0003 fire for every row at commit, and each refreshed the whole subtree
-- below the row's tenant: the demo seed (44 items and 3 opt-outs in one transaction)
-- worked out all six lists 47 times, and an import of n items into a province n times
-- over. At commit every change of the transaction is made, so a tenant's list refreshed
-- once is final: the trigger now skips the tenants already refreshed, kept in a
-- transaction-local setting (undone with a rolled-back savepoint, as the refresh is).
-- Any statement that can change a list forgets that set, so a change made after the
-- deferred triggers already ran (SET CONSTRAINTS ... IMMEDIATE) is worked out again.
CREATE OR REPLACE FUNCTION effective_items_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed text[];
    refreshed text[] := coalesce(nullif(current_setting('mgov.effective_items_refreshed', true), ''), '{}')::text[];
    todo text[];
BEGIN
    IF TG_TABLE_NAME = 'tenants' THEN
        changed := ARRAY[coalesce(NEW.id, OLD.id)];
    ELSIF TG_OP = 'UPDATE' AND OLD.tenant_id IS DISTINCT FROM NEW.tenant_id THEN
        changed := ARRAY[OLD.tenant_id, NEW.tenant_id];
    ELSE
        changed := ARRAY[coalesce(NEW.tenant_id, OLD.tenant_id)];
    END IF;
    -- A refreshed tenant's subtree was refreshed with it (or before it).
    IF changed <@ refreshed THEN
        RETURN NULL;
    END IF;
    todo := array(SELECT DISTINCT unnest(tenant_subtree(id)) FROM unnest(changed) id EXCEPT SELECT unnest(refreshed));
    PERFORM effective_items_refresh(todo);
    PERFORM set_config('mgov.effective_items_refreshed', (refreshed || todo)::text, true);
    RETURN NULL;
END $$;

CREATE FUNCTION effective_items_forget_refreshed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('mgov.effective_items_refreshed', '', true);
    RETURN NULL;
END $$;

CREATE TRIGGER items_effective_forget AFTER INSERT OR DELETE OR UPDATE OF status, tenant_id, inherited_from ON items
    FOR EACH STATEMENT EXECUTE FUNCTION effective_items_forget_refreshed();
CREATE TRIGGER opt_outs_effective_forget AFTER INSERT OR UPDATE OR DELETE ON opt_outs
    FOR EACH STATEMENT EXECUTE FUNCTION effective_items_forget_refreshed();
CREATE TRIGGER tenants_effective_forget AFTER INSERT OR DELETE OR UPDATE OF parent_id ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION effective_items_forget_refreshed();
