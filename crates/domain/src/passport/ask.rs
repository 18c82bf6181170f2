//! From a role's requirements to what a host asks a wallet for: which credential type answers
//! each requirement and which of its claims must be disclosed. The server turns these asks into a
//! DCQL query; this module knows nothing of DCQL's syntax.
//!
//! Checks → the type that carries them (identity and right to work share one credential; work
//! health is in occupational health), one ask per type; each competence → its own training ask
//! matching the subject (`["competences", null, "subject"]`), so only that element is disclosed;
//! each antigen → its own occupational health ask on the antigen; EPP → the clearance or the work
//! health assessment, whichever the credential has. The first ask also asks for the holder's
//! names.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::PassportType;
use crate::checks::CheckKind;
use crate::cstf::CompetenceRef;
use crate::requirements::{Requirement, RoleRequirements};

/// One step of a claim path: a member name, or every element of an array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PathStep {
    Key(String),
    /// Every element (`null` in a DCQL claims path).
    AnyElement(()),
}

impl PathStep {
    fn key(k: &str) -> Self {
        PathStep::Key(k.to_owned())
    }
}

/// A claim that must be disclosed, optionally with the values it must have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AskedClaim {
    /// An id, when the ask offers alternative sets of claims.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub path: Vec<PathStep>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Value>,
}

impl AskedClaim {
    fn keys(keys: &[&str]) -> Self {
        AskedClaim { id: None, path: keys.iter().map(|k| PathStep::key(k)).collect(), values: Vec::new() }
    }

    /// The path as JSON (`["competences", null, "subject"]`).
    pub fn path_json(&self) -> Value {
        Value::Array(
            self.path
                .iter()
                .map(|s| match s {
                    PathStep::Key(k) => json!(k),
                    PathStep::AnyElement(()) => Value::Null,
                })
                .collect(),
        )
    }
}

/// One credential the host asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ask {
    /// The query id, unique in the request.
    pub id: String,
    pub kind: PassportType,
    pub claims: Vec<AskedClaim>,
    /// Alternative sets of claim ids, any one of which answers (empty: every claim).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claim_sets: Vec<Vec<String>>,
}

/// One requirement and the ask that answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    /// The compliance requirement id (`check:criminal_record`, …).
    pub id: String,
    pub label: String,
    /// The id of the [`Ask`] that answers it.
    pub ask: String,
    pub requirement: Requirement,
}

/// What a host asks for a role, and which ask answers which requirement.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub asks: Vec<Ask>,
    pub requirements: Vec<Planned>,
}

/// The passport type that carries a check, and the claim it is in.
pub fn check_claim(kind: CheckKind) -> (PassportType, &'static str) {
    match kind {
        CheckKind::Identity => (PassportType::IdentityAndRightToWork, "identity"),
        CheckKind::RightToWork => (PassportType::IdentityAndRightToWork, "right_to_work"),
        CheckKind::ProfessionalRegistration => (PassportType::ProfessionalRegistration, "registration"),
        CheckKind::EmploymentHistory => (PassportType::EmploymentHistory, "employment_history"),
        CheckKind::CriminalRecord => (PassportType::CriminalRecord, "dbs"),
        CheckKind::WorkHealth => (PassportType::OccupationalHealth, "work_health"),
    }
}

/// The passport type that answers a requirement.
pub fn answered_by(requirement: &Requirement) -> PassportType {
    match requirement {
        Requirement::Check(c) => check_claim(c.kind).0,
        Requirement::Competence(_) => PassportType::Training,
        Requirement::Immunisation(_) | Requirement::Epp => PassportType::OccupationalHealth,
    }
}

/// The passport credential types a role's requirements are answered by (what a worker must hold),
/// in the order first needed.
pub fn types_for(role: &RoleRequirements) -> Vec<PassportType> {
    let mut unique = Vec::new();
    for t in role.items().iter().map(answered_by) {
        if !unique.contains(&t) {
            unique.push(t);
        }
    }
    unique
}

fn ask_id(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect()
}

/// The competence's subject as `competences[].subject` carries it.
pub fn competence_subject(competence: &CompetenceRef) -> String {
    match competence {
        CompetenceRef::Cstf { subject, .. } => subject.key().to_owned(),
        CompetenceRef::Local { code, .. } => format!("local:{code}"),
    }
}

/// What to ask for `role`; `None` when it has no requirement a passport credential answers.
pub fn plan(role: &RoleRequirements) -> Option<Plan> {
    let mut asks: Vec<Ask> = Vec::new();
    let mut requirements = Vec::new();
    fn ensure(asks: &mut Vec<Ask>, id: &str, kind: PassportType) -> usize {
        asks.iter().position(|a| a.id == id).unwrap_or_else(|| {
            asks.push(Ask { id: id.to_owned(), kind, claims: Vec::new(), claim_sets: Vec::new() });
            asks.len() - 1
        })
    }
    for requirement in role.items() {
        let kind = answered_by(&requirement);
        let id = match &requirement {
            Requirement::Check(check) => {
                let claim = check_claim(check.kind).1;
                let at = ensure(&mut asks, kind.key(), kind);
                let wanted = AskedClaim::keys(&[claim]);
                if !asks[at].claims.contains(&wanted) {
                    asks[at].claims.push(wanted);
                }
                kind.key().to_owned()
            }
            Requirement::Competence(c) => {
                let subject = competence_subject(&c.competence);
                let id = ask_id(&format!("competence_{subject}"));
                let at = ensure(&mut asks, &id, kind);
                if asks[at].claims.is_empty() {
                    asks[at].claims.push(AskedClaim {
                        id: None,
                        path: vec![PathStep::key("competences"), PathStep::AnyElement(()), PathStep::key("subject")],
                        values: vec![json!(subject)],
                    });
                }
                id
            }
            Requirement::Immunisation(antigen) => {
                let id = ask_id(&format!("immunisation_{}", antigen.key()));
                let at = ensure(&mut asks, &id, kind);
                if asks[at].claims.is_empty() {
                    asks[at].claims.push(AskedClaim {
                        id: None,
                        path: vec![PathStep::key("immunisations"), PathStep::AnyElement(()), PathStep::key("antigen")],
                        values: vec![json!(antigen.key())],
                    });
                }
                id
            }
            Requirement::Epp => {
                // Compliance takes occupational health's clearance, else the work health
                // assessment's EPP outcome: either claim answers.
                let at = ensure(&mut asks, "epp", kind);
                for claim in ["oh_clearance", "work_health"] {
                    asks[at].claims.push(AskedClaim { id: Some(claim.to_owned()), ..AskedClaim::keys(&[claim]) });
                    asks[at].claim_sets.push(vec![claim.to_owned()]);
                }
                "epp".to_owned()
            }
        };
        requirements.push(Planned { id: requirement.id(), label: requirement.label(), ask: id, requirement });
    }
    // Who is presenting: the names, once, in the first ask (in every alternative set if it has any).
    let first = asks.first_mut()?;
    for name in ["given_name", "family_name"] {
        if first.claim_sets.is_empty() {
            first.claims.push(AskedClaim::keys(&[name]));
        } else {
            first.claims.push(AskedClaim { id: Some(name.to_owned()), ..AskedClaim::keys(&[name]) });
            for set in &mut first.claim_sets {
                set.push(name.to_owned());
            }
        }
    }
    Some(Plan { asks, requirements })
}
