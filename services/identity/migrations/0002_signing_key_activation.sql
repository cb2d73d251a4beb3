-- Signing keys are published before they sign: a rotated-in key becomes the signing
-- key at `activates_at`, so every verifier's JWKS cache can learn it first. A key
-- stops being published a token lifetime (plus margins) after its successor activates,
-- which the service computes from the activation times; no retirement columns needed.
ALTER TABLE signing_keys ADD COLUMN activates_at timestamptz;
UPDATE signing_keys SET activates_at = created_at;
ALTER TABLE signing_keys ALTER COLUMN activates_at SET NOT NULL;
ALTER TABLE signing_keys DROP COLUMN retired_at, DROP COLUMN publish_until;
CREATE INDEX signing_keys_activation ON signing_keys (activates_at);
