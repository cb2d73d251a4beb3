-- A phone without an account files at most so many 随手拍 reports a day (China time):
-- the limit is a tenant setting (nearest on the tenant's path; default 10), the count is
-- taken in the report's own transaction, one row per phone and day, so concurrent
-- filings queue on the row and never pass the limit; a refused or failed report rolls
-- its count back.
ALTER TABLE tenant_settings ADD COLUMN phone_reports_per_day integer CHECK (phone_reports_per_day BETWEEN 1 AND 1000);
CREATE TABLE phone_report_counts (
    reporter_id text    NOT NULL,
    day         date    NOT NULL,
    filed       integer NOT NULL,
    PRIMARY KEY (reporter_id, day)
);
