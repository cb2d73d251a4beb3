-- A pending registration's code also proves a phone without an account (随手拍 reports
-- where the category takes anonymous ones): the same code rules and rate limits, one
-- table, told apart by `purpose`. A phone verification has no name and no password,
-- and is never confirmed into an account.
ALTER TABLE registrations ADD COLUMN purpose text NOT NULL DEFAULT 'registration'
    CHECK (purpose IN ('registration', 'phone'));
