-- Payment settings per tenant (which merchant account takes its fees, when a paid fee
-- is given back), inherited down the tenant tree; several refunds per payment (partial
-- refunds by finance staff, idempotent by their key); late payments of expired orders.

CREATE TABLE tenant_settings (
    tenant_id text PRIMARY KEY,
    -- A merchant account configured in the service's settings (docs/payments.md).
    merchant text NOT NULL CHECK (merchant ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
    -- Case outcomes that refund a paid fee; NULL: inherited (else the service's default).
    refund_on text[] CHECK (refund_on <@ ARRAY['rejected', 'withdrawn']::text[]),
    update_time timestamptz NOT NULL
);

ALTER TABLE transactions DROP CONSTRAINT transactions_status_check;
ALTER TABLE transactions ADD CONSTRAINT transactions_status_check
    CHECK (status IN ('open', 'paid', 'duplicate', 'late', 'closed'));

DROP INDEX refunds_one_per_transaction;
ALTER TABLE refunds DROP CONSTRAINT refunds_kind_check;
-- partial: asked for by finance staff; late: a payment of an order that had expired.
ALTER TABLE refunds ADD CONSTRAINT refunds_kind_check CHECK (kind IN ('duplicate', 'case', 'partial', 'late'));
ALTER TABLE refunds ADD COLUMN refund_key text;
ALTER TABLE refunds ADD COLUMN requested_by text;
-- One refund per key of an order (a repeated request is the same refund).
CREATE UNIQUE INDEX refunds_by_key ON refunds (order_id, refund_key) WHERE refund_key IS NOT NULL;
-- A second payment and a late payment are each given back once.
CREATE UNIQUE INDEX refunds_one_automatic_per_transaction ON refunds (out_trade_no) WHERE kind IN ('duplicate', 'late', 'case');
CREATE INDEX refunds_by_order ON refunds (order_id);

ALTER TABLE reconciliation_findings DROP CONSTRAINT reconciliation_findings_kind_check;
ALTER TABLE reconciliation_findings ADD CONSTRAINT reconciliation_findings_kind_check
    CHECK (kind IN ('missing_locally', 'amount_mismatch', 'unknown_order', 'missing_at_provider', 'status_mismatch', 'late_payment'));
ALTER TABLE reconciliation_findings ADD COLUMN merchant text;
CREATE INDEX reconciliation_findings_by_tenant ON reconciliation_findings (tenant_id, create_time DESC, id DESC);
