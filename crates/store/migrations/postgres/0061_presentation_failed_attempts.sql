-- OpenID4VP answers that did not verify are counted on the request, which stays open (issue 14).
ALTER TABLE presentation_requests ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE presentation_requests ADD COLUMN last_failure TEXT;
