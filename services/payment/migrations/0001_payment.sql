-- Payment service: fees of item versions (from catalog's events), orders, provider
-- transactions, refunds, the notification log, receipts and reconciliation findings.

CREATE TABLE item_fees (
    service_id uuid NOT NULL,
    version integer NOT NULL,
    tenant_id text NOT NULL,
    name jsonb NOT NULL,
    fees jsonb NOT NULL,
    PRIMARY KEY (service_id, version)
);

CREATE TABLE orders (
    id uuid PRIMARY KEY,
    tenant_id text NOT NULL,
    application_id uuid NOT NULL,
    case_number text NOT NULL,
    applicant_id text NOT NULL,
    service_id uuid NOT NULL,
    service_version integer NOT NULL,
    item_name jsonb NOT NULL,
    fees jsonb NOT NULL,
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    currency text NOT NULL CHECK (currency = 'CNY'),
    provider text NOT NULL,
    status text NOT NULL CHECK (status IN ('created', 'paying', 'paid', 'expired', 'failed', 'refunding', 'refunded')),
    paid_out_trade_no text,
    transaction_id text,
    paid_time timestamptz,
    refunded_fen bigint NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0 AND refunded_fen <= amount_fen),
    expire_time timestamptz NOT NULL,
    create_time timestamptz NOT NULL,
    update_time timestamptz NOT NULL,
    version integer NOT NULL
);
-- One open order per case.
CREATE UNIQUE INDEX orders_one_open_per_case ON orders (application_id)
    WHERE status IN ('created', 'paying', 'paid', 'refunding');
CREATE INDEX orders_by_case ON orders (application_id, create_time DESC);
CREATE INDEX orders_paying ON orders (update_time) WHERE status = 'paying';

-- Each attempt to pay is a provider transaction of its own.
CREATE TABLE transactions (
    out_trade_no text PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES orders (id),
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    status text NOT NULL CHECK (status IN ('open', 'paid', 'duplicate', 'closed')),
    transaction_id text,
    paid_time timestamptz,
    create_time timestamptz NOT NULL
);
CREATE INDEX transactions_by_order ON transactions (order_id);

CREATE TABLE refunds (
    out_refund_no text PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES orders (id),
    out_trade_no text NOT NULL REFERENCES transactions (out_trade_no),
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    reason text NOT NULL,
    -- duplicate: a second payment given back; case: the case was rejected or withdrawn.
    kind text NOT NULL CHECK (kind IN ('duplicate', 'case')),
    status text NOT NULL CHECK (status IN ('requested', 'processing', 'success', 'abnormal')),
    refund_id text,
    create_time timestamptz NOT NULL,
    update_time timestamptz NOT NULL
);
CREATE UNIQUE INDEX refunds_one_per_transaction ON refunds (out_trade_no);

-- Every provider notification, accepted or refused, with the reason (never its plaintext).
CREATE TABLE notifications (
    id bigserial PRIMARY KEY,
    provider text NOT NULL,
    notification_id text NOT NULL,
    event_type text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('accepted', 'duplicate', 'refused')),
    reason text NOT NULL,
    out_trade_no text,
    receive_time timestamptz NOT NULL
);
CREATE INDEX notifications_refused ON notifications (receive_time) WHERE outcome = 'refused';

CREATE TABLE receipts (
    id uuid PRIMARY KEY,
    order_id uuid NOT NULL UNIQUE REFERENCES orders (id),
    application_id uuid NOT NULL,
    payer_id text NOT NULL,
    tenant_id text NOT NULL,
    document_json text NOT NULL,
    signature text NOT NULL,
    key_id text NOT NULL,
    create_time timestamptz NOT NULL
);
CREATE INDEX receipts_by_payer ON receipts (payer_id, create_time DESC, id DESC);

CREATE TABLE reconciliation_findings (
    id bigserial PRIMARY KEY,
    bill_date date NOT NULL,
    tenant_id text,
    kind text NOT NULL CHECK (kind IN ('missing_locally', 'amount_mismatch', 'unknown_order', 'missing_at_provider', 'status_mismatch')),
    out_trade_no text NOT NULL,
    detail jsonb NOT NULL,
    create_time timestamptz NOT NULL,
    UNIQUE (bill_date, kind, out_trade_no)
);
