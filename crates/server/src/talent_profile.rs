//! The talent profile: what a worker sends a new employer's HR — name, professional registrations, CSTF
//! competences with completion and expiry, NHS employment, a summary of checks — as a PDF made here
//! ([`crate::talent_profile_pdf`]), signed by the organisation that holds the record.
//!
//! The organisation signs the profile's content as a compact JWS (`typ: talent-profile+jwt`, ES256, its
//! issuer key from [`issuer::signer_for`], so the keys on its JWKS and the trust list verify it). The PDF
//! carries a QR code of, and a link to, the public page `/talent-profiles/verify?p=<JWS>`: the content
//! travels in the link itself, so the page needs no stored copy and the reader compares what the page shows
//! with the PDF in hand. The page answers **valid**, **altered** (the signature does not hold: the content
//! or the token was changed, or no key of that organisation signed it) or **out of date** (past its
//! `exp`, or the organisation's records say something else today). Checking currency reads the person's
//! record with a system scope, audited, so the worker sees each verification in their access log.
//!
//! The payload is the profile's JSON compressed with DEFLATE (RFC 1951), said by the header member
//! `zip: "DEF"` as RFC 7516 §4.1.3 does for JWE: uncompressed, a full profile (a dozen competences, six
//! checks) makes a link of ~3 KB, past what a QR code can hold; compressed it is about a third of that.
//! The signature covers the compressed bytes as sent; the page inflates at most [`MAX_PROFILE_BYTES`].

use std::collections::HashMap;
use std::io::{Read, Write};

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Response};
use axum::{Json, Router};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use credentials::jws::{CompactJws, Jwk, VerifyingKey, sign_compact};
use domain::assignment::AssignmentStatus;
use domain::compliance::PersonRecord;
use domain::cstf::CompetenceRef;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use store::{OrgScope, StoreError, WorkerScope};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::me::WorkerCaller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{PublicReason, public_reason};
use crate::issuer;
use crate::query::ValidQuery;

public_reason!(ProfileVerification = "talent profile verification");

/// JWS `typ` of a signed talent profile.
pub const PROFILE_TYP: &str = "talent-profile+jwt";
/// Largest inflated payload the page accepts (a DEFLATE bomb stops here).
pub const MAX_PROFILE_BYTES: u64 = 64 * 1024;
/// How long a profile vouches for the record: a new employer should not rely on an old one.
pub const PROFILE_VALID_DAYS: i64 = 90;

/// The JSON API routes (in OpenAPI).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().nest("/api/v1", OpenApiRouter::new().routes(routes!(pdf)).routes(routes!(verify_json)))
}

/// The public verification page (HTML, outside the API).
pub fn pages() -> Router<AppState> {
    Router::new().route("/talent-profiles/verify", axum::routing::get(verify_page))
}

/// A professional registration line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegistrationLine {
    pub register: String,
    pub number: String,
    pub status: String,
    pub expires_on: Option<NaiveDate>,
}

/// A CSTF competence line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CompetenceLine {
    pub name: String,
    pub completed_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
}

/// One assignment with the signing organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EmploymentLine {
    pub organisation: String,
    pub role: String,
    pub staff_group: String,
    pub band: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub status: String,
}

/// One employment check, summarised: never a certificate or document number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckLine {
    pub check: String,
    pub outcome: String,
    pub date: Option<NaiveDate>,
}

/// What the organisation vouches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TalentProfile {
    /// The signing organisation.
    pub ods_code: String,
    pub organisation: String,
    /// The person record it was made from (an identifier inside that organisation only).
    pub sub: String,
    pub name: String,
    pub registrations: Vec<RegistrationLine>,
    pub competences: Vec<CompetenceLine>,
    pub employment: Vec<EmploymentLine>,
    pub checks: Vec<CheckLine>,
    /// Issued and valid until (unix seconds).
    pub iat: i64,
    pub exp: i64,
}

fn text_of<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// The profile of `record`, as the organisation's records say today (`iat`/`exp` left at 0).
pub fn content(
    ods_code: &str,
    organisation: &str,
    person_id: &str,
    record: &PersonRecord,
    role_titles: &HashMap<String, String>,
) -> TalentProfile {
    let person = &record.person;
    let registrations = person
        .registrations
        .iter()
        .map(|r| RegistrationLine {
            register: r.register.label().to_owned(),
            number: r.number.as_str().to_owned(),
            status: r.status.as_str().to_owned(),
            expires_on: r.expires_on,
        })
        .collect();
    let mut competences: Vec<CompetenceLine> = record
        .competences
        .iter()
        .filter(|c| matches!(c.competence, CompetenceRef::Cstf { .. }))
        .map(|c| CompetenceLine {
            name: c.competence.label(),
            completed_on: c.completed_on,
            expires_on: c.expires_on(),
        })
        .collect();
    competences.sort_by(|a, b| a.name.cmp(&b.name).then(b.completed_on.cmp(&a.completed_on)));
    let mut employment: Vec<EmploymentLine> = record
        .assignments
        .iter()
        .filter(|a| a.status != AssignmentStatus::Applicant)
        .map(|a| EmploymentLine {
            organisation: organisation.to_owned(),
            role: role_titles.get(a.role.trim()).cloned().unwrap_or_else(|| a.role.trim().to_owned()),
            staff_group: a.staff_group.esr_name().to_owned(),
            band: text_of(&a.band),
            start_date: a.start_date,
            end_date: a.end_date,
            status: text_of(&a.status),
        })
        .collect();
    employment.sort_by(|a, b| b.start_date.cmp(&a.start_date).then(a.role.cmp(&b.role)));
    let mut checks: Vec<CheckLine> = record
        .checks
        .iter()
        .map(|c| CheckLine { check: c.kind().label().to_owned(), outcome: text_of(&c.outcome), date: c.completed_on })
        .collect();
    checks.sort_by(|a, b| a.check.cmp(&b.check).then(b.date.cmp(&a.date)));
    TalentProfile {
        ods_code: ods_code.to_owned(),
        organisation: organisation.to_owned(),
        sub: person_id.to_owned(),
        name: format!("{} {}", person.given_name.trim(), person.family_name.trim()),
        registrations,
        competences,
        employment,
        checks,
        iat: 0,
        exp: 0,
    }
}

/// The public page that verifies `token`.
pub fn verify_url(base: &str, token: &str) -> String {
    format!("{base}/talent-profiles/verify?p={token}")
}

/// Signs `profile` with the organisation's issuer key.
pub async fn sign(state: &AppState, org_id: &str, profile: &TalentProfile) -> ApiResult<String> {
    let key = issuer::signer_for(state, org_id).await?;
    let mut header = Map::new();
    header.insert("typ".into(), Value::String(PROFILE_TYP.into()));
    header.insert("zip".into(), Value::String("DEF".into()));
    let json = serde_json::to_vec(profile).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    deflate.write_all(&json).map_err(|e| ApiError::Internal(e.to_string()))?;
    let payload = deflate.finish().map_err(|e| ApiError::Internal(e.to_string()))?;
    sign_compact(header, &payload, &key).map_err(|e| ApiError::Internal(e.to_string()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PdfQuery {
    /// Name the file after this (default `talent-profile`); letters, digits and dashes only.
    pub filename: Option<String>,
}

/// Your talent profile from one organisation as a PDF, signed by it, with a QR code and link to its public
/// verification page. Role: worker.
#[utoipa::path(get, path = "/me/organisations/{ods_code}/talent-profile.pdf", tag = "self-service",
    security(("bearer" = [])), params(("ods_code" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = Problem)))]
async fn pdf(
    State(state): State<AppState>,
    WorkerCaller(scope): WorkerCaller,
    Path(ods_code): Path<String>,
) -> ApiResult<Response> {
    pdf_download(&state, &scope, &ods_code).await
}

/// The worker's signed talent profile from one organisation as a PDF download (the API's route and the
/// portal's link answer the same).
pub async fn pdf_download(state: &AppState, scope: &WorkerScope, ods_code: &str) -> ApiResult<Response> {
    let mine = state.store.me(scope).record(ods_code).await?;
    let titles = mine.roles.iter().map(|r| (r.role_code.clone(), r.title.clone())).collect();
    let org = &mine.organisation;
    let mut profile = content(&org.ods_code, &org.name, &org.person_id, &mine.record, &titles);
    let now = (state.clock)();
    profile.iat = now.timestamp();
    profile.exp = (now + Duration::days(PROFILE_VALID_DAYS)).timestamp();
    let token = sign(state, &org.org_id, &profile).await?;
    let url = verify_url(state.public_url(), &token);
    let bytes = crate::talent_profile_pdf::render(&profile, &url)?;
    Ok((
        [
            (CONTENT_TYPE, "application/pdf".to_owned()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"talent-profile-{}.pdf\"", org.ods_code)),
            (CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// What the verification says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Valid,
    Altered,
    OutOfDate,
}

/// The answer of the verification page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub status: Verdict,
    pub reason: String,
    /// The signed content, when the signature holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<TalentProfile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<DateTime<Utc>>,
}

impl Verification {
    fn altered(reason: impl Into<String>) -> Self {
        Verification {
            status: Verdict::Altered,
            reason: reason.into(),
            profile: None,
            issued_at: None,
            valid_until: None,
        }
    }
}

/// Verifies a signed profile: the signature, its validity period, and that the organisation's records still
/// say the same.
pub async fn verify(state: &AppState, token: &str) -> ApiResult<Verification> {
    let Ok(jws) = CompactJws::parse(token.trim()) else {
        return Ok(Verification::altered("This is not a signed talent profile."));
    };
    if jws.header_str("typ") != Some(PROFILE_TYP) {
        return Ok(Verification::altered("This is not a signed talent profile."));
    }
    let mut json = Vec::new();
    let inflated = match jws.header_str("zip") {
        Some("DEF") => flate2::read::DeflateDecoder::new(jws.payload.as_slice())
            .take(MAX_PROFILE_BYTES)
            .read_to_end(&mut json)
            .is_ok(),
        _ => false,
    };
    let Some(profile) = inflated.then(|| serde_json::from_slice::<TalentProfile>(&json).ok()).flatten() else {
        return Ok(Verification::altered("The profile's content is not what an organisation signs."));
    };
    // The ODS code is in the signed content, not the path, so this route cannot take `PublicOrg`; it
    // resolves the code the same way and opens the dataset with its stated reason.
    let organisation = match crate::oid4vci::organisation(state, &profile.ods_code).await {
        Ok(org) => org,
        Err(ApiError::NotFound) => return Ok(Verification::altered("No registered organisation signed it.")),
        Err(other) => return Err(other),
    };
    let kid = jws.header_str("kid").unwrap_or_default();
    let keys = state.store.issuing().public_keys(&organisation.id).await?;
    let signed = keys.iter().filter(|k| k.kid == kid).any(|k| {
        serde_json::from_str::<Jwk>(&k.public_jwk)
            .ok()
            .and_then(|jwk| VerifyingKey::from_jwk(&jwk).ok())
            .is_some_and(|key| jws.verify_with(&key).unwrap_or(false))
    });
    if !signed {
        return Ok(Verification::altered(format!(
            "The signature of {} does not match this content: the profile was changed after it was issued.",
            organisation.name
        )));
    }
    let issued_at = DateTime::from_timestamp(profile.iat, 0);
    let valid_until = DateTime::from_timestamp(profile.exp, 0);
    let now = (state.clock)();
    let mut answer =
        Verification { status: Verdict::Valid, reason: String::new(), profile: None, issued_at, valid_until };
    if now.timestamp() >= profile.exp {
        answer.status = Verdict::OutOfDate;
        answer.reason = format!("Genuine, but it expired on {}: ask the worker for a new one.", fmt_time(valid_until));
    } else if !still_current(state, &organisation.id, &profile).await? {
        answer.status = Verdict::OutOfDate;
        answer.reason = format!(
            "Genuine, but {}'s records have changed since it was issued: ask the worker for a new one.",
            organisation.name
        );
    } else {
        answer.reason =
            format!("Genuine and current: {} signed this content and its records still say so.", organisation.name);
    }
    answer.profile = Some(profile);
    Ok(answer)
}

fn fmt_time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%-d %B %Y").to_string()).unwrap_or_default()
}

/// Whether the organisation's records today give the same content (the person may also be gone).
async fn still_current(state: &AppState, org_id: &str, profile: &TalentProfile) -> ApiResult<bool> {
    let scope = OrgScope::system(org_id.to_owned(), ProfileVerification::REASON);
    let dataset = state.store.dataset(&scope);
    let record = match dataset.person_record(&profile.sub).await {
        Ok(record) => record,
        Err(StoreError::NotFound) => return Ok(false),
        Err(other) => return Err(other.into()),
    };
    let titles = dataset.all_role_requirements().await?.into_iter().map(|r| (r.role_code, r.title)).collect();
    let mut now = content(&profile.ods_code, &profile.organisation, &profile.sub, &record.value, &titles);
    (now.iat, now.exp) = (profile.iat, profile.exp);
    Ok(now == *profile)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// The signed profile (compact JWS) from the PDF's link or QR code.
    pub p: String,
}

/// Verify a talent profile: `valid`, `altered` or `out_of_date`, with the signed content when genuine. No
/// token needed.
#[utoipa::path(get, path = "/talent-profiles/verify", tag = "self-service", params(VerifyQuery),
    responses((status = 200, body = Verification), (status = 422, body = Problem)))]
async fn verify_json(
    State(state): State<AppState>,
    ValidQuery(query): ValidQuery<VerifyQuery>,
) -> ApiResult<Json<Verification>> {
    Ok(Json(verify(&state, &query.p).await?))
}

/// The public verification page: the verdict and, when genuine, the signed content to compare with the PDF.
async fn verify_page(State(state): State<AppState>, ValidQuery(query): ValidQuery<VerifyQuery>) -> ApiResult<Response> {
    let verification = verify(&state, &query.p).await?;
    let page = crate::talent_profile_page::html(&verification);
    Ok(([(CACHE_CONTROL, "no-store")], Html(page)).into_response())
}
