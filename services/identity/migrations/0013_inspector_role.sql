-- 移动执法监管: inspectors carry an enforcement certificate and are drawn for field inspections.
ALTER TABLE role_bindings DROP CONSTRAINT role_bindings_role_check;
ALTER TABLE role_bindings ADD CONSTRAINT role_bindings_role_check
    CHECK (role IN ('citizen', 'clerk', 'approver', 'supervisor', 'tenant_admin', 'province_admin', 'dispatcher', 'finance', 'inspector'));
