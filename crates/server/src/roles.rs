//! The role matrix: which organisation role may use which `/api/v1` route. Defined here once; the API
//! enforces it in [`enforce`] before any handler runs, the README prints [`markdown_table`], and the API
//! test `roles.rs` walks `/openapi.json` and checks every route against every role.
//!
//! A route missing from [`ROUTES`] is refused to everybody (404) and logged: a new route is closed until it
//! is given a permission here. A role the caller lacks answers 404, like another organisation's data
//! (ADR 0001). Admins may do everything in their own organisation. Handlers keep their own
//! `caller.require` as a second check; it must never be looser than this table.
//!
//! To add a role (say `worker` to organisation routes), add it to [`COLUMNS`] if it is an organisation
//! user's role, then to the `roles` of each [`Permission`] it gets; the README table and the test follow.

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use store::{Principal, Role};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Authenticated, Caller};

/// Who may use a group of routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token needed (password login, accepting an invitation).
    Anyone,
    /// Registry operators only; no organisation role.
    Operator,
    /// Worker accounts only (self-service on their own records); no organisation role.
    Worker,
    /// Organisation users holding one of these roles (and admins).
    Roles(&'static [Role]),
    /// Any organisation user for their own account; admins for anyone in their organisation.
    OwnOrAdmin,
}

/// What a route does, in the terms the matrix grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    Login,
    PublicDocuments,
    Registry,
    ManageUsers,
    OwnTokens,
    ReadPeople,
    WritePeople,
    EmploymentChecks,
    ReadAssignments,
    WriteAssignments,
    Competences,
    OccupationalHealth,
    ReadRoleRequirements,
    WriteRoleRequirements,
    Compliance,
    Credentials,
    WorkerInvitations,
    Verification,
    IssuerKeys,
    SelfService,
    Agreements,
    CheckAgreements,
    AcceptCoreTerms,
    Transfers,
}

use Role::{Hr, OccupationalHealth as Oh, Training, Verifier};

/// The organisation roles, in the README's column order.
pub const COLUMNS: [Role; 5] = [Role::Admin, Hr, Training, Oh, Verifier];

impl Permission {
    pub const ALL: [Permission; 24] = [
        Permission::Login,
        Permission::PublicDocuments,
        Permission::Registry,
        Permission::ManageUsers,
        Permission::OwnTokens,
        Permission::ReadPeople,
        Permission::WritePeople,
        Permission::EmploymentChecks,
        Permission::ReadAssignments,
        Permission::WriteAssignments,
        Permission::Competences,
        Permission::OccupationalHealth,
        Permission::ReadRoleRequirements,
        Permission::WriteRoleRequirements,
        Permission::Compliance,
        Permission::Credentials,
        Permission::WorkerInvitations,
        Permission::Verification,
        Permission::IssuerKeys,
        Permission::SelfService,
        Permission::Agreements,
        Permission::CheckAgreements,
        Permission::AcceptCoreTerms,
        Permission::Transfers,
    ];

    /// The matrix itself. HR keeps people, their assignments and pre-employment checks and issues
    /// passports; training keeps competences; occupational health keeps immunisations and clearance (no
    /// one else reads health data); a verifier checks presentations only and reads no records.
    pub const fn access(self) -> Access {
        match self {
            Permission::Login | Permission::PublicDocuments => Access::Anyone,
            Permission::Registry => Access::Operator,
            Permission::ManageUsers | Permission::IssuerKeys | Permission::AcceptCoreTerms => Access::Roles(&[]),
            Permission::OwnTokens => Access::OwnOrAdmin,
            Permission::ReadPeople | Permission::ReadAssignments | Permission::ReadRoleRequirements => {
                Access::Roles(&[Hr, Training, Oh])
            }
            Permission::Compliance => Access::Roles(&[Hr, Training, Oh]),
            Permission::WritePeople
            | Permission::EmploymentChecks
            | Permission::WriteAssignments
            | Permission::WriteRoleRequirements
            | Permission::Credentials
            | Permission::WorkerInvitations => Access::Roles(&[Hr]),
            Permission::Competences => Access::Roles(&[Training]),
            Permission::OccupationalHealth => Access::Roles(&[Oh]),
            Permission::Verification => Access::Roles(&[Verifier, Hr]),
            Permission::SelfService => Access::Worker,
            // Umbrella agreements are further limited to admins by their handlers.
            Permission::Agreements | Permission::Transfers => Access::Roles(&[Hr]),
            Permission::CheckAgreements => Access::Roles(&[Hr, Training, Oh, Verifier]),
        }
    }

    /// The row's label in the README table.
    pub const fn describe(self) -> &'static str {
        match self {
            Permission::Login => "password login (`/auth/token`, `/auth/worker-token`), accepting a worker invitation",
            Permission::PublicDocuments => "checking a talent profile (`/talent-profiles/verify`)",
            Permission::Registry => "organisations (`/organisations`)",
            Permission::ManageUsers => "users: create, list, disable, enable, revoke their tokens",
            Permission::OwnTokens => "API tokens (`/users/{id}/tokens`): issue, list, revoke",
            Permission::ReadPeople => "people: read",
            Permission::WritePeople => "people: create, update",
            Permission::EmploymentChecks => "employment checks (DBS, identity, right to work, …): read, write",
            Permission::ReadAssignments => "assignments: read",
            Permission::WriteAssignments => "assignments: write, transition",
            Permission::Competences => "competences (CSTF and local training): read, write",
            Permission::OccupationalHealth => "immunisations and OH clearance: read, write",
            Permission::ReadRoleRequirements => "role requirements: read",
            Permission::WriteRoleRequirements => "role requirements: write, delete",
            Permission::Compliance => "compliance (per person and organisation summary)",
            Permission::Credentials => "passport credentials: issue, list, revoke/suspend/reinstate, offers",
            Permission::WorkerInvitations => "worker invitations, workers' contact changes",
            Permission::Verification => "verify presentations, presentation requests and their results",
            Permission::IssuerKeys => "issuer key rotation",
            Permission::SelfService => "self-service (`/me…`)",
            Permission::Agreements => {
                "workforce sharing agreements: draft, propose, sign, withdraw, amend, export, \
                ask the worker to sign (umbrella agreements: admins only)"
            }
            Permission::CheckAgreements => "verify a signed agreement, read the published core terms",
            Permission::AcceptCoreTerms => "accept a core terms version for the organisation",
            Permission::Transfers => {
                "inter-authority transfers: consent, matches, approval, stages 1 and 2, service history, cohorts"
            }
        }
    }
}

/// Whether an organisation user holding only `role` may use routes needing `access`. For
/// [`Access::OwnOrAdmin`] this answers for someone else's account (everyone may use their own).
pub fn allows(access: Access, role: Role) -> bool {
    match access {
        Access::Roles(roles) => role == Role::Admin || roles.contains(&role),
        Access::OwnOrAdmin => role == Role::Admin,
        Access::Anyone => true,
        Access::Operator | Access::Worker => false,
    }
}

/// Every `/api/v1` route, by method and path template as the router names them, with its permission.
pub const ROUTES: &[(&str, &str, Permission)] = &[
    ("POST", "/api/v1/auth/token", Permission::Login),
    ("POST", "/api/v1/auth/worker-token", Permission::Login),
    ("POST", "/api/v1/worker-invitations/accept", Permission::Login),
    ("POST", "/api/v1/organisations", Permission::Registry),
    ("GET", "/api/v1/organisations", Permission::Registry),
    ("GET", "/api/v1/organisations/{ods_code}", Permission::Registry),
    ("POST", "/api/v1/users", Permission::ManageUsers),
    ("GET", "/api/v1/users", Permission::ManageUsers),
    ("POST", "/api/v1/users/{user_id}/disable", Permission::ManageUsers),
    ("POST", "/api/v1/users/{user_id}/enable", Permission::ManageUsers),
    ("POST", "/api/v1/users/{user_id}/tokens", Permission::OwnTokens),
    ("GET", "/api/v1/users/{user_id}/tokens", Permission::OwnTokens),
    ("DELETE", "/api/v1/users/{user_id}/tokens", Permission::OwnTokens),
    ("DELETE", "/api/v1/users/{user_id}/tokens/{token_id}", Permission::OwnTokens),
    ("POST", "/api/v1/people", Permission::WritePeople),
    ("GET", "/api/v1/people", Permission::ReadPeople),
    ("GET", "/api/v1/people/{person_id}", Permission::ReadPeople),
    ("PUT", "/api/v1/people/{person_id}", Permission::WritePeople),
    ("POST", "/api/v1/people/{person_id}/checks", Permission::EmploymentChecks),
    ("GET", "/api/v1/people/{person_id}/checks", Permission::EmploymentChecks),
    ("GET", "/api/v1/people/{person_id}/checks/{record_id}", Permission::EmploymentChecks),
    ("PUT", "/api/v1/people/{person_id}/checks/{record_id}", Permission::EmploymentChecks),
    ("DELETE", "/api/v1/people/{person_id}/checks/{record_id}", Permission::EmploymentChecks),
    ("POST", "/api/v1/people/{person_id}/competences", Permission::Competences),
    ("GET", "/api/v1/people/{person_id}/competences", Permission::Competences),
    ("GET", "/api/v1/people/{person_id}/competences/{record_id}", Permission::Competences),
    ("PUT", "/api/v1/people/{person_id}/competences/{record_id}", Permission::Competences),
    ("DELETE", "/api/v1/people/{person_id}/competences/{record_id}", Permission::Competences),
    ("POST", "/api/v1/people/{person_id}/immunisations", Permission::OccupationalHealth),
    ("GET", "/api/v1/people/{person_id}/immunisations", Permission::OccupationalHealth),
    ("GET", "/api/v1/people/{person_id}/immunisations/{record_id}", Permission::OccupationalHealth),
    ("PUT", "/api/v1/people/{person_id}/immunisations/{record_id}", Permission::OccupationalHealth),
    ("DELETE", "/api/v1/people/{person_id}/immunisations/{record_id}", Permission::OccupationalHealth),
    ("GET", "/api/v1/people/{person_id}/oh-clearance", Permission::OccupationalHealth),
    ("PUT", "/api/v1/people/{person_id}/oh-clearance", Permission::OccupationalHealth),
    ("POST", "/api/v1/people/{person_id}/assignments", Permission::WriteAssignments),
    ("GET", "/api/v1/people/{person_id}/assignments", Permission::ReadAssignments),
    ("GET", "/api/v1/people/{person_id}/assignments/{record_id}", Permission::ReadAssignments),
    ("PUT", "/api/v1/people/{person_id}/assignments/{record_id}", Permission::WriteAssignments),
    ("POST", "/api/v1/people/{person_id}/assignments/{record_id}/transition", Permission::WriteAssignments),
    ("GET", "/api/v1/roles", Permission::ReadRoleRequirements),
    ("GET", "/api/v1/roles/{role_code}", Permission::ReadRoleRequirements),
    ("PUT", "/api/v1/roles/{role_code}", Permission::WriteRoleRequirements),
    ("DELETE", "/api/v1/roles/{role_code}", Permission::WriteRoleRequirements),
    ("GET", "/api/v1/people/{person_id}/compliance", Permission::Compliance),
    ("GET", "/api/v1/compliance", Permission::Compliance),
    ("POST", "/api/v1/people/{person_id}/credentials", Permission::Credentials),
    ("GET", "/api/v1/people/{person_id}/credentials", Permission::Credentials),
    ("POST", "/api/v1/credentials/{credential_id}/revoke", Permission::Credentials),
    ("POST", "/api/v1/credentials/{credential_id}/suspend", Permission::Credentials),
    ("POST", "/api/v1/credentials/{credential_id}/reinstate", Permission::Credentials),
    ("POST", "/api/v1/people/{person_id}/credential-offers", Permission::Credentials),
    ("POST", "/api/v1/people/{person_id}/worker-invitations", Permission::WorkerInvitations),
    ("GET", "/api/v1/people/{person_id}/contact-history", Permission::WorkerInvitations),
    ("POST", "/api/v1/verify", Permission::Verification),
    ("POST", "/api/v1/presentation-requests", Permission::Verification),
    ("GET", "/api/v1/presentation-requests", Permission::Verification),
    ("GET", "/api/v1/presentation-requests/{request_id}", Permission::Verification),
    ("POST", "/api/v1/presentation-requests/{request_id}/review", Permission::Verification),
    ("GET", "/api/v1/presentation-requests/{request_id}/review", Permission::Verification),
    ("POST", "/api/v1/issuer/rotate-key", Permission::IssuerKeys),
    ("GET", "/api/v1/me", Permission::SelfService),
    ("GET", "/api/v1/me/access-log", Permission::SelfService),
    ("GET", "/api/v1/me/organisations/{ods_code}", Permission::SelfService),
    ("GET", "/api/v1/me/organisations/{ods_code}/compliance", Permission::SelfService),
    ("GET", "/api/v1/me/organisations/{ods_code}/credentials", Permission::SelfService),
    ("POST", "/api/v1/me/organisations/{ods_code}/credential-offers", Permission::SelfService),
    ("PUT", "/api/v1/me/organisations/{ods_code}/contact", Permission::SelfService),
    ("GET", "/api/v1/me/organisations/{ods_code}/talent-profile.pdf", Permission::SelfService),
    ("GET", "/api/v1/me/organisations/{ods_code}/transfer-consent", Permission::SelfService),
    ("PUT", "/api/v1/me/organisations/{ods_code}/transfer-consent", Permission::SelfService),
    ("POST", "/api/v1/me/organisations/{ods_code}/transfer-consent/wallet-request", Permission::SelfService),
    ("GET", "/api/v1/me/organisations/{ods_code}/transfers", Permission::SelfService),
    ("GET", "/api/v1/me/agreements", Permission::SelfService),
    ("POST", "/api/v1/me/agreements/{agreement_id}/worker-signing", Permission::SelfService),
    ("GET", "/api/v1/talent-profiles/verify", Permission::PublicDocuments),
    ("POST", "/api/v1/agreements", Permission::Agreements),
    ("GET", "/api/v1/agreements", Permission::Agreements),
    ("GET", "/api/v1/agreements/{agreement_id}", Permission::Agreements),
    ("GET", "/api/v1/agreements/{agreement_id}/versions", Permission::Agreements),
    ("POST", "/api/v1/agreements/{agreement_id}/propose", Permission::Agreements),
    ("POST", "/api/v1/agreements/{agreement_id}/sign", Permission::Agreements),
    ("POST", "/api/v1/agreements/{agreement_id}/withdraw", Permission::Agreements),
    ("POST", "/api/v1/agreements/{agreement_id}/amend", Permission::Agreements),
    ("GET", "/api/v1/agreements/{agreement_id}/export", Permission::Agreements),
    ("POST", "/api/v1/agreements/{agreement_id}/worker-signing", Permission::Agreements),
    ("POST", "/api/v1/agreements/verify", Permission::CheckAgreements),
    ("GET", "/api/v1/core-terms", Permission::CheckAgreements),
    ("POST", "/api/v1/core-terms", Permission::Registry),
    ("POST", "/api/v1/core-terms/accept", Permission::AcceptCoreTerms),
    ("POST", "/api/v1/people/{person_id}/transfer-consent", Permission::Transfers),
    ("GET", "/api/v1/people/{person_id}/transfer-consent", Permission::Transfers),
    ("POST", "/api/v1/people/{person_id}/transfer-consent/wallet-request", Permission::Transfers),
    ("GET", "/api/v1/people/{person_id}/transfer-matches", Permission::Transfers),
    ("POST", "/api/v1/people/{person_id}/transfers", Permission::Transfers),
    ("POST", "/api/v1/people/{person_id}/transfers/automatic", Permission::Transfers),
    ("POST", "/api/v1/people/{person_id}/transfers/remote", Permission::Transfers),
    ("GET", "/api/v1/people/{person_id}/transfers", Permission::Transfers),
    ("GET", "/api/v1/people/{person_id}/service-history", Permission::Transfers),
    ("GET", "/api/v1/transfers", Permission::Transfers),
    ("GET", "/api/v1/transfers/{transfer_id}", Permission::Transfers),
    ("POST", "/api/v1/transfers/{transfer_id}/approve", Permission::Transfers),
    ("POST", "/api/v1/transfers/{transfer_id}/run", Permission::Transfers),
    ("POST", "/api/v1/transfers/{transfer_id}/stage2", Permission::Transfers),
    ("POST", "/api/v1/transfer-cohorts", Permission::Transfers),
    ("GET", "/api/v1/transfer-cohorts/{cohort_id}", Permission::Transfers),
];

/// The permission a route needs; `None` for a route the matrix does not know (refused).
pub fn permission(method: &Method, path: &str) -> Option<Permission> {
    ROUTES.iter().find(|(m, p, _)| *p == path && method.as_str() == *m).map(|(_, _, permission)| *permission)
}

/// The matrix as the README prints it (checked equal by a test).
pub fn markdown_table() -> String {
    let mut out = String::from("| may use | admin | hr | training | occupational_health | verifier |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for permission in Permission::ALL {
        let access = permission.access();
        let cells: Vec<&str> = COLUMNS
            .iter()
            .map(|role| match access {
                Access::Anyone => "✓",
                Access::Operator => "registry operator only",
                Access::Worker => "worker accounts only",
                Access::OwnOrAdmin if *role != Role::Admin => "own",
                _ if allows(access, *role) => "✓",
                _ => "–",
            })
            .collect();
        let cells = if matches!(access, Access::Operator | Access::Worker) {
            // One cell says it for the whole row.
            format!("{} | | | |", cells[0])
        } else {
            cells.join(" | ")
        };
        out.push_str(&format!("| {} | {cells} |\n", permission.describe()));
    }
    out
}

/// Applies the matrix to every `/api/v1` request before its handler: the caller's token is checked, its
/// principal handed on to the handler's extractor, and a role the matrix does not grant answers 404.
pub async fn enforce(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(path) = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()) else {
        return next.run(request).await;
    };
    if !path.starts_with("/api/v1/") {
        return next.run(request).await;
    }
    let Some(permission) = permission(request.method(), &path) else {
        if ROUTES.iter().any(|(_, p, _)| *p == path) {
            // A method this route does not have: the router answers 405 with `Allow`.
            return next.run(request).await;
        }
        tracing::error!(method = %request.method(), %path, "route missing from the role matrix: refused");
        return ApiError::NotFound.into_response();
    };
    let roles = match permission.access() {
        // The handler's own extractor admits only operators, workers, or anyone.
        Access::Anyone | Access::Operator | Access::Worker => return next.run(request).await,
        Access::Roles(roles) => Some(roles),
        Access::OwnOrAdmin => None,
    };
    let (mut parts, body) = request.into_parts();
    let principal: Principal = match Caller::from_request_parts(&mut parts, &state).await {
        Ok(Caller(principal)) => principal,
        Err(refusal) => return refusal.into_response(),
    };
    let allowed = principal.scope.is_some()
        && (principal.has_role(Role::Admin)
            || match roles {
                Some(roles) => roles.iter().any(|r| principal.has_role(*r)),
                // The account the route acts on is its `{user_id}`.
                None => RawPathParams::from_request_parts(&mut parts, &state)
                    .await
                    .is_ok_and(|params| params.iter().any(|(k, v)| k == "user_id" && v == principal.user_id)),
            });
    if !allowed {
        tracing::info!(user = %principal.user_id, ?permission, "refused by the role matrix");
        return ApiError::NotFound.into_response();
    }
    parts.extensions.insert(Authenticated(principal));
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_reads_no_records_and_only_occupational_health_reads_health_data() {
        for permission in [Permission::EmploymentChecks, Permission::ReadPeople, Permission::Competences] {
            assert!(!allows(permission.access(), Verifier), "{permission:?}");
        }
        assert!(!allows(Permission::OccupationalHealth.access(), Hr));
        assert!(!allows(Permission::Competences.access(), Hr));
        assert!(allows(Permission::OccupationalHealth.access(), Oh));
        assert!(allows(Permission::Verification.access(), Verifier));
    }

    #[test]
    fn every_route_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for (method, path, _) in ROUTES {
            assert!(seen.insert((method, path)), "{method} {path} listed twice");
        }
    }
}
