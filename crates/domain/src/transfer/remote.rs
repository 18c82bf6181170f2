//! Inter-Authority Transfer across deployments (DESIGN.md §6 flow 5): the two signed messages and
//! the rules each side applies to their claims once the signature has been checked against the
//! trust lists (that check is the credential engine's; the HTTP exchange is the server's).
//!
//! 1. The new employer asks: a [`PdsRequest`] (JWS `typ: iat-pds-request+jwt`) signed with its
//!    organisation key: `iss` its issuer identifier, `aud` the previous employer's, a short
//!    `iat`–`exp` window, a `jti`, the worker's identifying facts (NI number, date of birth, family
//!    name) and the worker's consent as recorded by the new employer.
//! 2. The previous employer answers: a [`PdsAnswer`] (JWS `typ: iat-pds+jwt`) signed with its own
//!    key: `iss` its issuer identifier, `aud` the requester, `request_jti` naming the request it
//!    answers, and the Portable Data Set built exactly as for a transfer within one deployment.
//!
//! Each side refuses with a [`RemoteRefusal`], whose stable code the problem names.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ConsentMethod, ConsentRecord, PortableDataSet};
use crate::org::OdsCode;
use crate::person::NiNumber;

/// JOSE `typ` of the new employer's request.
pub const REQUEST_TYP: &str = "iat-pds-request+jwt";
/// JOSE `typ` of the previous employer's answer.
pub const ANSWER_TYP: &str = "iat-pds+jwt";
/// How long a request or an answer is valid: long enough to cross the network, short enough that
/// a captured one is soon useless.
pub const LIFETIME_SECS: i64 = 120;
/// Clock difference tolerated between two deployments.
pub const CLOCK_SKEW_SECS: i64 = 60;

/// The worker as the new employer knows them: the three facts matching compares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerFacts {
    pub ni_number: NiNumber,
    pub date_of_birth: NaiveDate,
    pub family_name: String,
}

/// The worker's consent as the new employer recorded it (always a given consent: a request is
/// made only while consent stands).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentClaim {
    pub method: ConsentMethod,
    /// When the worker gave it.
    pub at: DateTime<Utc>,
    /// Where the signed paper form is held (required for `paper`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_ref: Option<String>,
    /// The worker's own signature on it (required for `wallet`), which the previous employer
    /// checks against its trust list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet: Option<WalletSignedConsent>,
}

/// A consent statement signed with the worker's wallet through OpenID4VP transaction data: the
/// presentation (SD-JWT VC with KB-JWT) and the transaction data string its KB-JWT hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalletSignedConsent {
    pub presentation: String,
    pub transaction_data: String,
}

impl ConsentClaim {
    /// The claim for the consent record that currently stands, `None` for a withdrawal.
    pub fn from_record(record: &ConsentRecord) -> Option<ConsentClaim> {
        record.given.then(|| ConsentClaim {
            method: record.method,
            at: record.at,
            evidence_ref: record.evidence_ref.clone(),
            wallet: None,
        })
    }
}

/// The claims of the new employer's signed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PdsRequest {
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// The previous employer asked (its ODS code; `aud` is its issuer identifier).
    pub source_ods: OdsCode,
    pub worker: WorkerFacts,
    pub consent: ConsentClaim,
}

/// The claims of the previous employer's signed answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PdsAnswer {
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// The `jti` of the request answered: an answer to another request is refused.
    pub request_jti: String,
    pub pds: PortableDataSet,
}

/// Why one side refuses the other's message. Each has a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RemoteRefusal {
    /// `aud` is not the organisation that received it.
    WrongAudience,
    /// `exp` has passed (beyond the clock skew).
    Expired,
    /// `iat` is in the future (beyond the clock skew).
    IssuedInFuture,
    /// `exp` is further after `iat` than [`LIFETIME_SECS`] allows.
    LifetimeTooLong,
    /// `jti` is empty or was seen before.
    Replayed,
    /// The request carries no usable consent: a paper consent without the reference to its
    /// evidence.
    ConsentInvalid,
    /// The request names another organisation than the one it was sent to, or the answer a data set
    /// of another organisation than the one asked.
    WrongOrganisation,
    /// The answer does not answer our request (`request_jti`), or comes from another issuer.
    NotOurRequest,
    /// A record of the data set breaks the rules a record entered here must keep (a text too
    /// long, a date in the future, a missing completion date).
    DataSetInvalid,
    /// No record at the previous employer matches on NI number, date of birth and family name.
    NoMatch,
    /// Only partial matches, or several equally recent ones: the previous employer's HR must decide.
    Ambiguous,
}

impl RemoteRefusal {
    pub fn code(self) -> &'static str {
        match self {
            RemoteRefusal::WrongAudience => "wrong_audience",
            RemoteRefusal::Expired => "expired",
            RemoteRefusal::IssuedInFuture => "issued_in_future",
            RemoteRefusal::LifetimeTooLong => "lifetime_too_long",
            RemoteRefusal::Replayed => "replayed",
            RemoteRefusal::ConsentInvalid => "consent_invalid",
            RemoteRefusal::WrongOrganisation => "wrong_organisation",
            RemoteRefusal::NotOurRequest => "not_our_request",
            RemoteRefusal::DataSetInvalid => "data_set_invalid",
            RemoteRefusal::NoMatch => "no_match",
            RemoteRefusal::Ambiguous => "ambiguous",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            RemoteRefusal::WrongAudience => "the message is addressed to another organisation",
            RemoteRefusal::Expired => "the message has expired",
            RemoteRefusal::IssuedInFuture => "the message is dated in the future",
            RemoteRefusal::LifetimeTooLong => "the message is valid for longer than allowed",
            RemoteRefusal::Replayed => "the request was already used",
            RemoteRefusal::ConsentInvalid => "the request carries no valid consent of the worker",
            RemoteRefusal::WrongOrganisation => "the message names another organisation",
            RemoteRefusal::NotOurRequest => "the answer is not an answer to our request",
            RemoteRefusal::DataSetInvalid => "a record of the data set is not valid",
            RemoteRefusal::NoMatch => "no record matches the worker's NI number, date of birth and family name",
            RemoteRefusal::Ambiguous => "the match needs the previous employer's HR (partial or tied matches)",
        }
    }

    /// The field of the problem a refusal is reported under.
    pub fn field(self) -> &'static str {
        match self {
            RemoteRefusal::ConsentInvalid => "consent",
            RemoteRefusal::NoMatch | RemoteRefusal::Ambiguous => "worker",
            _ => "request",
        }
    }
}

/// The time window every message must sit in: issued no later than `now` (plus skew), not
/// expired, and valid for no longer than [`LIFETIME_SECS`].
fn check_window(iat: i64, exp: i64, now: i64) -> Result<(), RemoteRefusal> {
    if iat > now + CLOCK_SKEW_SECS {
        return Err(RemoteRefusal::IssuedInFuture);
    }
    if exp <= iat || exp - iat > LIFETIME_SECS {
        return Err(RemoteRefusal::LifetimeTooLong);
    }
    if now >= exp + CLOCK_SKEW_SECS {
        return Err(RemoteRefusal::Expired);
    }
    Ok(())
}

/// Whether every record of a data set from elsewhere keeps the rules of a record entered here:
/// what the signature vouches for is who sent it, not that it fits.
fn valid_records(pds: &PortableDataSet, today: NaiveDate) -> bool {
    pds.checks.iter().all(|c| c.value.validate(today).is_ok())
        && pds.competences.iter().all(|c| c.value.validate(today).is_ok())
        && pds.immunisations.iter().all(|i| i.value.validate(today).is_ok())
        && pds.oh_clearance.as_ref().is_none_or(|o| o.value.validate(today).is_ok())
        && pds.source_person_id.len() <= 100
        && !pds.source_person_id.trim().is_empty()
}

impl PdsRequest {
    /// What the previous employer checks once the signature verified: addressed to it (`aud` its
    /// issuer identifier, `source_ods` its code), in its time window, with a `jti` and a consent
    /// that names its evidence when on paper. (When consent was given is the requester's record,
    /// not compared with the request's `iat`: the two may come from different clocks.)
    pub fn validate(&self, audience: &str, ods: &OdsCode, now: i64) -> Result<(), RemoteRefusal> {
        if self.aud != audience {
            return Err(RemoteRefusal::WrongAudience);
        }
        if &self.source_ods != ods {
            return Err(RemoteRefusal::WrongOrganisation);
        }
        check_window(self.iat, self.exp, now)?;
        if self.jti.trim().is_empty() || self.jti.len() > 100 {
            return Err(RemoteRefusal::Replayed);
        }
        let evidence_missing = self.consent.evidence_ref.as_deref().is_none_or(|e| e.trim().is_empty());
        if self.consent.method == ConsentMethod::Paper && evidence_missing {
            return Err(RemoteRefusal::ConsentInvalid);
        }
        if self.consent.method == ConsentMethod::Wallet && self.consent.wallet.is_none() {
            return Err(RemoteRefusal::ConsentInvalid);
        }
        if super::normalise_surname(&self.worker.family_name).is_empty() {
            return Err(RemoteRefusal::NoMatch);
        }
        Ok(())
    }
}

impl PdsAnswer {
    /// What the new employer checks once the signature verified: from the issuer asked, to us, in
    /// answer to our request, in its time window, holding the data set of the organisation asked.
    pub fn validate(&self, request: &PdsRequest, now: i64) -> Result<(), RemoteRefusal> {
        if self.aud != request.iss {
            return Err(RemoteRefusal::WrongAudience);
        }
        if self.iss != request.aud || self.request_jti != request.jti {
            return Err(RemoteRefusal::NotOurRequest);
        }
        if self.pds.from_ods != request.source_ods {
            return Err(RemoteRefusal::WrongOrganisation);
        }
        check_window(self.iat, self.exp, now)?;
        let today = DateTime::from_timestamp(now, 0).map(|t| t.date_naive()).ok_or(RemoteRefusal::Expired)?;
        if valid_records(&self.pds, today) { Ok(()) } else { Err(RemoteRefusal::DataSetInvalid) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cstf::Competence;
    use crate::transfer::{PdsItem, PortableDataSet, SourceRecords};

    const NOW: i64 = 1_780_000_000;
    const OLD: &str = "https://old.example/issuers/RRK";
    const NEW: &str = "https://new.example/issuers/RJ1";

    fn ods(code: &str) -> OdsCode {
        OdsCode::parse(code).unwrap()
    }

    fn request() -> PdsRequest {
        PdsRequest {
            iss: NEW.into(),
            aud: OLD.into(),
            iat: NOW,
            exp: NOW + LIFETIME_SECS,
            jti: "req-1".into(),
            source_ods: ods("RRK"),
            worker: WorkerFacts {
                ni_number: NiNumber::parse("AB123456C").unwrap(),
                date_of_birth: NaiveDate::from_ymd_opt(1988, 3, 14).unwrap(),
                family_name: "Núñez-García".into(),
            },
            consent: ConsentClaim {
                method: ConsentMethod::SelfService,
                at: DateTime::from_timestamp(NOW - 3600, 0).unwrap(),
                evidence_ref: None,
                wallet: None,
            },
        }
    }

    fn answer() -> PdsAnswer {
        let competence: Competence = serde_json::from_value(serde_json::json!({
            "competence": {"kind": "cstf", "subject": "fire_safety", "level": 1},
            "completed_on": "2026-01-10", "source": "e_learning"}))
        .unwrap();
        let records = SourceRecords { competences: vec![PdsItem::new("c-1", competence)], ..SourceRecords::default() };
        let pds = PortableDataSet::build(ods("RRK"), "Old Trust".into(), "p-1".into(), true, records);
        PdsAnswer {
            iss: OLD.into(),
            aud: NEW.into(),
            iat: NOW,
            exp: NOW + LIFETIME_SECS,
            request_jti: "req-1".into(),
            pds,
        }
    }

    #[test]
    fn request_rules_as_a_table() {
        type Spoil = fn(&mut PdsRequest);
        let cases: [(&str, Spoil, Option<RemoteRefusal>); 13] = [
            ("as made", |_| {}, None),
            (
                "another audience",
                |r| r.aud = "https://else.example/issuers/RRK".into(),
                Some(RemoteRefusal::WrongAudience),
            ),
            ("another organisation", |r| r.source_ods = ods("RTH"), Some(RemoteRefusal::WrongOrganisation)),
            ("expired", |r| (r.iat, r.exp) = (NOW - 400, NOW - 300), Some(RemoteRefusal::Expired)),
            ("within the skew", |r| (r.iat, r.exp) = (NOW - 150, NOW - 30), None),
            ("from the future", |r| (r.iat, r.exp) = (NOW + 300, NOW + 400), Some(RemoteRefusal::IssuedInFuture)),
            ("valid for a day", |r| r.exp = NOW + 86_400, Some(RemoteRefusal::LifetimeTooLong)),
            ("no jti", |r| r.jti = " ".into(), Some(RemoteRefusal::Replayed)),
            (
                "paper without evidence",
                |r| r.consent.method = ConsentMethod::Paper,
                Some(RemoteRefusal::ConsentInvalid),
            ),
            (
                "paper with blank evidence",
                |r| {
                    r.consent.method = ConsentMethod::Paper;
                    r.consent.evidence_ref = Some("  ".into());
                },
                Some(RemoteRefusal::ConsentInvalid),
            ),
            ("a family name of punctuation only", |r| r.worker.family_name = "--".into(), Some(RemoteRefusal::NoMatch)),
            (
                "wallet without its signature",
                |r| r.consent.method = ConsentMethod::Wallet,
                Some(RemoteRefusal::ConsentInvalid),
            ),
            (
                "wallet with its signature",
                |r| {
                    r.consent.method = ConsentMethod::Wallet;
                    r.consent.wallet =
                        Some(WalletSignedConsent { presentation: "jwt~d~kb".into(), transaction_data: "td".into() });
                },
                None,
            ),
        ];
        for (name, spoil, expected) in cases {
            let mut r = request();
            spoil(&mut r);
            assert_eq!(r.validate(OLD, &ods("RRK"), NOW).err(), expected, "{name}");
        }
        let mut paper = request();
        paper.consent =
            ConsentClaim { method: ConsentMethod::Paper, evidence_ref: Some("SCAN-1".into()), ..paper.consent };
        assert_eq!(paper.validate(OLD, &ods("RRK"), NOW), Ok(()));
    }

    #[test]
    fn answer_rules_as_a_table() {
        type Spoil = fn(&mut PdsAnswer);
        let cases: [(&str, Spoil, Option<RemoteRefusal>); 9] = [
            ("as made", |_| {}, None),
            (
                "to someone else",
                |a| a.aud = "https://third.example/issuers/RTH".into(),
                Some(RemoteRefusal::WrongAudience),
            ),
            (
                "from another issuer",
                |a| a.iss = "https://third.example/issuers/RTH".into(),
                Some(RemoteRefusal::NotOurRequest),
            ),
            ("answering another request", |a| a.request_jti = "req-2".into(), Some(RemoteRefusal::NotOurRequest)),
            (
                "another organisation's data set",
                |a| a.pds.from_ods = ods("RTH"),
                Some(RemoteRefusal::WrongOrganisation),
            ),
            ("expired", |a| (a.iat, a.exp) = (NOW - 400, NOW - 300), Some(RemoteRefusal::Expired)),
            ("valid for a day", |a| a.exp = NOW + 86_400, Some(RemoteRefusal::LifetimeTooLong)),
            ("no source person", |a| a.pds.source_person_id = " ".into(), Some(RemoteRefusal::DataSetInvalid)),
            (
                "a competence completed in the future",
                |a| a.pds.competences[0].value.completed_on = NaiveDate::from_ymd_opt(2099, 1, 1).unwrap(),
                Some(RemoteRefusal::DataSetInvalid),
            ),
        ];
        for (name, spoil, expected) in cases {
            let mut a = answer();
            spoil(&mut a);
            assert_eq!(a.validate(&request(), NOW).err(), expected, "{name}");
        }
    }

    #[test]
    fn messages_round_trip_and_refuse_unknown_claims() {
        let text = serde_json::to_string(&request()).unwrap();
        assert_eq!(serde_json::from_str::<PdsRequest>(&text).unwrap(), request());
        let text = serde_json::to_string(&answer()).unwrap();
        assert_eq!(serde_json::from_str::<PdsAnswer>(&text).unwrap(), answer());
        let mut extra = serde_json::to_value(request()).unwrap();
        extra["scope"] = serde_json::json!("everything");
        assert!(serde_json::from_value::<PdsRequest>(extra).is_err());
    }

    #[test]
    fn only_a_given_consent_makes_a_claim() {
        let at = DateTime::from_timestamp(NOW, 0).unwrap();
        let given = ConsentRecord {
            given: true,
            method: ConsentMethod::Paper,
            evidence_ref: Some("SCAN-1".into()),
            at,
            recorded_by: "user:1".into(),
        };
        let claim = ConsentClaim::from_record(&given).unwrap();
        assert_eq!((claim.method, claim.at, claim.evidence_ref.as_deref()), (ConsentMethod::Paper, at, Some("SCAN-1")));
        assert_eq!(ConsentClaim::from_record(&ConsentRecord { given: false, ..given }), None);
    }

    #[test]
    fn codes_are_unique() {
        let all = [
            RemoteRefusal::WrongAudience,
            RemoteRefusal::Expired,
            RemoteRefusal::IssuedInFuture,
            RemoteRefusal::LifetimeTooLong,
            RemoteRefusal::Replayed,
            RemoteRefusal::ConsentInvalid,
            RemoteRefusal::WrongOrganisation,
            RemoteRefusal::NotOurRequest,
            RemoteRefusal::DataSetInvalid,
            RemoteRefusal::NoMatch,
            RemoteRefusal::Ambiguous,
        ];
        let codes: std::collections::HashSet<_> = all.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), all.len());
    }
}
