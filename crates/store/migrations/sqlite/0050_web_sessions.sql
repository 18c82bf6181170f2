-- The portal's sign-in (issue 12): browser sessions and TOTP second factors.
--
-- A session cookie holds 32 random bytes; only their SHA-256 is kept here (as for API tokens). `stage` is
-- 'password' between a correct password and the second factor, 'full' after it. Times are Unix seconds:
-- the idle and absolute expiry are checked on every request against last_seen_at and created_at.
CREATE TABLE web_sessions (
    id_hash      TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id),
    stage        TEXT NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX ix_web_sessions_user ON web_sessions (user_id);

-- A user's TOTP second factor (RFC 6238): `required` is set by an admin; `secret` (hex) is set when the
-- user starts enrolling and `confirmed_at` once they typed a correct code; `last_step` refuses a code's
-- reuse within its window.
CREATE TABLE user_totp (
    user_id      TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    required     INTEGER NOT NULL DEFAULT 0,
    secret       TEXT,
    confirmed_at TEXT,
    last_step    BIGINT NOT NULL DEFAULT 0
);
