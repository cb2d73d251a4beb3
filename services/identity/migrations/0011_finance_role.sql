-- 网上支付: finance staff see a tenant's reconciliation findings and refund its payments.
ALTER TABLE role_bindings DROP CONSTRAINT role_bindings_role_check;
ALTER TABLE role_bindings ADD CONSTRAINT role_bindings_role_check
    CHECK (role IN ('citizen', 'clerk', 'approver', 'supervisor', 'tenant_admin', 'province_admin', 'dispatcher', 'finance'));
