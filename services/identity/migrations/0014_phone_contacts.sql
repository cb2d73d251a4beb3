-- A phone proven without an account (随手拍 reports) is kept so the reporter can be told
-- of their report by SMS: encrypted with the field key like every phone identity keeps,
-- under the keyed pseudonym the reporter is known by elsewhere (`phone:<pseudonym>`).
-- Notify resolves the pseudonym at send time (GetContacts); nothing else reads it.
CREATE TABLE phone_contacts (
    pseudonym     text        PRIMARY KEY,
    tenant_id     text        NOT NULL,
    phone_cipher  bytea       NOT NULL,
    phone_key_id  text        NOT NULL,
    confirmed_at  timestamptz NOT NULL
);
