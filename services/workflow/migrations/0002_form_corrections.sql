-- A resubmission may carry a corrected form (补正). The transition that took the
-- idempotency key keeps the corrected form's hash, so a repeated command is recognised
-- only when it carries the same form.
ALTER TABLE transitions ADD COLUMN form_sha256 text;
