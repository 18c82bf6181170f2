-- The host's review of an answered presentation request (issue 9): one review per request, made
-- once, and one row per requirement decided in it. An accepted item names the credential it came
-- from (issuer ODS code and credential id) and the records it wrote into the host's dataset with
-- source `passport`; a bypassed requirement carries the reviewer's reason.
CREATE TABLE presentation_reviews (
    org_id         TEXT NOT NULL,
    request_id     TEXT NOT NULL,
    person_id      TEXT NOT NULL,
    person_created INTEGER NOT NULL,
    reviewed_by    TEXT NOT NULL,
    reviewed_at    TEXT NOT NULL,
    PRIMARY KEY (org_id, request_id)
);

CREATE TABLE presentation_review_items (
    org_id        TEXT NOT NULL,
    request_id    TEXT NOT NULL,
    requirement   TEXT NOT NULL,
    decision      TEXT NOT NULL CHECK (decision IN ('accepted', 'bypassed')),
    reason        TEXT,
    issuer_ods    TEXT,
    credential_id TEXT,
    expires_on    TEXT,
    record_ids    TEXT NOT NULL,
    PRIMARY KEY (org_id, request_id, requirement)
);
