-- What each tenant offers (the rule of domain/inheritance.py), kept as rows instead of
-- worked out by every list and search: walking the tenant's chain and picking the
-- nearest decision with DISTINCT ON was a fifth of a search's database time, for an
-- answer that changes only when an item is published or retired, an opt-out is made or
-- withdrawn, or the tenant tree changes. PostgreSQL keeps it, from those very writes:
-- each fires a trigger at commit that works the rule out again for the tenants whose
-- lists it can change (the changed tenant and the subtree below it).
CREATE TABLE effective_items (
    tenant_id text NOT NULL,
    item_id   uuid NOT NULL,
    PRIMARY KEY (tenant_id, item_id)
);

-- The tenant and every tenant below it (a tree of at most 10 levels, as the chain walk).
CREATE FUNCTION tenant_subtree(root text) RETURNS text[] LANGUAGE sql STABLE AS $$
    WITH RECURSIVE below AS (
        SELECT root AS id, 0 AS depth
        UNION ALL
        SELECT t.id, b.depth + 1 FROM tenants t JOIN below b ON t.parent_id = b.id WHERE b.depth < 10
    )
    SELECT array_agg(DISTINCT id) FROM below
$$;

-- Work out the effective lists of `tenant_ids` again. Refreshes are serialised per
-- schema: two transactions refreshing the same tenant at once would each delete what
-- the other has not committed yet and leave a stale row or collide on an insert. The
-- triggers run at commit, after every other lock of the transaction was taken, so this
-- lock, taken last, cannot close a cycle.
CREATE FUNCTION effective_items_refresh(tenant_ids text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('mgov.catalog.effective_items:' || current_schema()));
    DELETE FROM effective_items WHERE tenant_id = ANY (tenant_ids);
    INSERT INTO effective_items (tenant_id, item_id)
    WITH RECURSIVE chain AS (
        SELECT t.id AS tenant_id, t.id, t.parent_id, 0 AS depth FROM tenants t WHERE t.id = ANY (tenant_ids)
        UNION ALL
        SELECT c.tenant_id, t.id, t.parent_id, c.depth + 1 FROM tenants t JOIN chain c ON t.id = c.parent_id WHERE c.depth < 10
    ),
    decided AS (
        SELECT DISTINCT ON (tenant_id, lineage) tenant_id, item_id, opted_out FROM (
            SELECT c.tenant_id, coalesce(i.inherited_from, i.id) AS lineage, i.id AS item_id, false AS opted_out, c.depth
              FROM items i JOIN chain c ON c.id = i.tenant_id WHERE i.status = 'published'
            UNION ALL
            SELECT c.tenant_id, o.item_id, NULL::uuid, true, c.depth FROM opt_outs o JOIN chain c ON c.id = o.tenant_id
        ) x ORDER BY tenant_id, lineage, depth, opted_out DESC
    )
    SELECT tenant_id, item_id FROM decided WHERE NOT opted_out;
END $$;

CREATE FUNCTION effective_items_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed text[];
BEGIN
    IF TG_TABLE_NAME = 'tenants' THEN
        changed := ARRAY[coalesce(NEW.id, OLD.id)];
    ELSIF TG_OP = 'UPDATE' AND OLD.tenant_id IS DISTINCT FROM NEW.tenant_id THEN
        changed := ARRAY[OLD.tenant_id, NEW.tenant_id];
    ELSE
        changed := ARRAY[coalesce(NEW.tenant_id, OLD.tenant_id)];
    END IF;
    PERFORM effective_items_refresh(array(SELECT DISTINCT unnest(tenant_subtree(id)) FROM unnest(changed) id));
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER items_effective_added AFTER INSERT OR DELETE ON items
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION effective_items_changed();
CREATE CONSTRAINT TRIGGER items_effective_changed AFTER UPDATE OF status, tenant_id, inherited_from ON items
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id
          OR OLD.inherited_from IS DISTINCT FROM NEW.inherited_from)
    EXECUTE FUNCTION effective_items_changed();
CREATE CONSTRAINT TRIGGER opt_outs_effective AFTER INSERT OR UPDATE OR DELETE ON opt_outs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION effective_items_changed();
CREATE CONSTRAINT TRIGGER tenants_effective_added AFTER INSERT OR DELETE ON tenants
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION effective_items_changed();
CREATE CONSTRAINT TRIGGER tenants_effective_moved AFTER UPDATE OF parent_id ON tenants
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION effective_items_changed();

SELECT effective_items_refresh(array(SELECT id FROM tenants));
