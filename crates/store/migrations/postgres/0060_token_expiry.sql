-- Every API token expires (issue 14). Tokens written before this migration have no expires_at: they
-- expire the store's token lifetime after their created_at (see store::auth::tokens).
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
