-- An order to correct (责令限期整改) to send to the subject's contact phone by SMS through
-- notify: written in the transaction that completes the inspection, sent right after it
-- and, while notify cannot take it, again by the sweep. The phone stays in `subjects`.
CREATE TABLE correction_orders (
    inspection_id uuid PRIMARY KEY REFERENCES inspections (id),
    tenant_id text NOT NULL,
    -- pending: to send (at next_time); sent; no_contact: the subject has no mobile
    -- number; failed: notify refused it or every attempt failed.
    status text NOT NULL CHECK (status IN ('pending', 'sent', 'no_contact', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_time timestamptz NOT NULL,
    sent_time timestamptz,
    last_error text NOT NULL DEFAULT '',
    create_time timestamptz NOT NULL
);
CREATE INDEX correction_orders_due ON correction_orders (next_time) WHERE status = 'pending';
