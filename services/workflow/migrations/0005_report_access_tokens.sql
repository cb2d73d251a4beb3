-- Reporters without an account (a phone verified by SMS) read their report with a
-- token given once at submission; only its SHA-256 is kept. A token names one report
-- and the phone's reporter entry on it (`reporter_id`, a pseudonym of the phone).
CREATE TABLE report_access_tokens (
    token_hash     bytea       PRIMARY KEY,
    application_id uuid        NOT NULL REFERENCES applications (id),
    reporter_id    text        NOT NULL,
    created_at     timestamptz NOT NULL
);
CREATE INDEX report_access_tokens_report ON report_access_tokens (application_id);
