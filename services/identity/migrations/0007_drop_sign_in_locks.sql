-- The fixed sign-in lockout was replaced by growing delays (sign_in_failures); its table
-- is no longer written or read.
DROP TABLE IF EXISTS sign_in_locks;
