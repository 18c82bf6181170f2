-- An organisation admin can require a second factor (TOTP) of every user of the organisation (postgres).
-- Kept in step with ../sqlite/0130_org_totp_required.sql. The per-user flag (user_totp.required)
-- stays: a user must give a code when either flag is set.
ALTER TABLE organisations ADD COLUMN totp_required INTEGER NOT NULL DEFAULT 0;
