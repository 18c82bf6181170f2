//! What a role needs: employment checks with their minimums, competences, immunisations and EPP
//! clearance.
//!
//! Recheck policy is data here (`max_age_months` on a check requirement, e.g. DBS every 36
//! months), so each organisation and role can set its own without code changes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::checks::{AssuranceLevel, CheckKind, DbsLevel};
use crate::cstf::CompetenceRef;
use crate::error::{ValidationErrors, indexed};
use crate::immunisation::Antigen;
use crate::newtype::check_text;

/// One employment check a role needs, with its minimums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequirement {
    pub kind: CheckKind,
    /// For `criminal_record`: the lowest DBS level accepted.
    #[serde(default)]
    pub min_dbs_level: Option<DbsLevel>,
    /// For `identity`: the lowest GPG45 level accepted.
    #[serde(default)]
    pub min_assurance: Option<AssuranceLevel>,
    /// For `employment_history`: the shortest period the history must cover (usually 36 months).
    #[serde(default)]
    pub min_history_months: Option<u32>,
    /// Recheck policy: the check stops counting this many months after it was made (for DBS,
    /// after issue or the last Update Service status check).
    #[serde(default)]
    pub max_age_months: Option<u32>,
}

impl CheckRequirement {
    /// A requirement with no minimums.
    pub fn of(kind: CheckKind) -> Self {
        Self { kind, min_dbs_level: None, min_assurance: None, min_history_months: None, max_age_months: None }
    }

    /// Stable id in compliance results: `check:criminal_record`.
    pub fn id(&self) -> String {
        self.kind.requirement_id().to_owned()
    }
}

/// One competence a role needs. For CSTF the level is the minimum: a higher level of the same
/// subject meets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompetenceRequirement {
    pub competence: CompetenceRef,
}

impl CompetenceRequirement {
    /// Stable id in compliance results: `competence:cstf:fire_safety:1`.
    pub fn id(&self) -> String {
        format!("competence:{}", self.competence.key())
    }
}

/// One requirement of a role, whatever its kind: what a host asks a worker's passport for and
/// decides one by one. JSON: `{"type": "check", "of": {"kind": "criminal_record", …}}`,
/// `{"type": "immunisation", "of": "hepatitis_b"}`, `{"type": "epp"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", content = "of", rename_all = "snake_case")]
pub enum Requirement {
    Check(CheckRequirement),
    Competence(CompetenceRequirement),
    Immunisation(Antigen),
    Epp,
}

impl Requirement {
    /// The stable id compliance results use: `check:criminal_record`, `epp`, ….
    pub fn id(&self) -> String {
        match self {
            Requirement::Check(c) => c.id(),
            Requirement::Competence(c) => c.id(),
            Requirement::Immunisation(a) => a.requirement_id().to_owned(),
            Requirement::Epp => "epp".to_owned(),
        }
    }

    /// The human label compliance results use.
    pub fn label(&self) -> String {
        match self {
            Requirement::Check(c) => c.kind.label().to_owned(),
            Requirement::Competence(c) => c.competence.label(),
            Requirement::Immunisation(a) => a.label().to_owned(),
            Requirement::Epp => crate::compliance::EPP_LABEL.to_owned(),
        }
    }
}

/// Everything a role needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequirements {
    /// The code assignments refer to, e.g. `NUR-B5-ED`.
    pub role_code: String,
    pub title: String,
    #[serde(default)]
    pub checks: Vec<CheckRequirement>,
    #[serde(default)]
    pub competences: Vec<CompetenceRequirement>,
    #[serde(default)]
    pub immunisations: Vec<Antigen>,
    /// Whether the role performs exposure-prone procedures.
    #[serde(default)]
    pub epp_required: bool,
    /// Whether temporary staff (workers another organisation employs) need an active workforce
    /// sharing agreement covering this role before they are ready to work here. A host's own staff
    /// never do.
    #[serde(default)]
    pub agreement_required: bool,
}

impl RoleRequirements {
    /// Every requirement, in the order compliance results list them: checks, competences,
    /// immunisations, EPP.
    pub fn items(&self) -> Vec<Requirement> {
        let mut items: Vec<Requirement> = self.checks.iter().cloned().map(Requirement::Check).collect();
        items.extend(self.competences.iter().cloned().map(Requirement::Competence));
        items.extend(self.immunisations.iter().copied().map(Requirement::Immunisation));
        if self.epp_required {
            items.push(Requirement::Epp);
        }
        items
    }

    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let code_ok = (1..=40).contains(&self.role_code.len())
            && self.role_code.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !code_ok {
            errors.add("role_code", "must be 1 to 40 letters, digits, '-', '_' or '.'");
        }
        errors.check("", check_text("title", &self.title, 200));
        for (i, check) in self.checks.iter().enumerate() {
            let at = indexed("checks", i);
            if self.checks[..i].iter().any(|c| c.kind == check.kind) {
                errors.add(format!("{at}.kind"), format!("{} is listed twice", check.kind.key()));
            }
            if check.min_dbs_level.is_some() && check.kind != CheckKind::CriminalRecord {
                errors.add(format!("{at}.min_dbs_level"), "applies to criminal_record checks only");
            }
            if check.min_assurance.is_some() && check.kind != CheckKind::Identity {
                errors.add(format!("{at}.min_assurance"), "applies to identity checks only");
            }
            if check.min_history_months.is_some() && check.kind != CheckKind::EmploymentHistory {
                errors.add(format!("{at}.min_history_months"), "applies to employment_history checks only");
            }
            if check.max_age_months == Some(0) {
                errors.add(format!("{at}.max_age_months"), "must be at least 1 month");
            }
        }
        for (i, req) in self.competences.iter().enumerate() {
            let at = indexed("competences", i);
            errors.merge(&format!("{at}.competence"), req.competence.validate());
            let key = req.competence.key();
            if self.competences[..i].iter().any(|c| c.competence.key() == key) {
                errors.add(format!("{at}.competence"), format!("{key} is listed twice"));
            }
        }
        for (i, antigen) in self.immunisations.iter().enumerate() {
            if self.immunisations[..i].contains(antigen) {
                errors.add(indexed("immunisations", i), format!("{} is listed twice", antigen.key()));
            }
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cstf::CstfSubject;

    fn nurse() -> RoleRequirements {
        RoleRequirements {
            role_code: "NUR-B5-ED".into(),
            title: "Staff nurse, emergency department".into(),
            checks: vec![
                CheckRequirement {
                    min_dbs_level: Some(DbsLevel::EnhancedAdults),
                    max_age_months: Some(36),
                    ..CheckRequirement::of(CheckKind::CriminalRecord)
                },
                CheckRequirement {
                    min_assurance: Some(AssuranceLevel::Medium),
                    ..CheckRequirement::of(CheckKind::Identity)
                },
            ],
            competences: vec![CompetenceRequirement { competence: CompetenceRef::cstf(CstfSubject::FireSafety, 1) }],
            immunisations: vec![Antigen::HepatitisB, Antigen::Mmr],
            epp_required: false,
            agreement_required: false,
        }
    }

    #[test]
    fn sensible_requirements_are_valid() {
        assert_eq!(nurse().validate(), Ok(()));
        let json = serde_json::to_value(nurse()).unwrap();
        assert_eq!(json["checks"][0]["kind"], "criminal_record");
        assert_eq!(serde_json::from_value::<RoleRequirements>(json).unwrap(), nurse());
    }

    #[test]
    fn minimums_on_the_wrong_check_kind_are_refused() {
        let mut r = nurse();
        r.checks[1].min_dbs_level = Some(DbsLevel::Basic);
        r.checks[0].min_assurance = Some(AssuranceLevel::High);
        let errors = r.validate().unwrap_err();
        assert!(errors.has_field("checks[1].min_dbs_level"));
        assert!(errors.has_field("checks[0].min_assurance"));
    }

    #[test]
    fn duplicates_and_bad_levels_are_refused() {
        let mut r = nurse();
        r.checks.push(CheckRequirement::of(CheckKind::Identity));
        r.competences.push(r.competences[0].clone());
        r.competences
            .push(CompetenceRequirement { competence: CompetenceRef::cstf(CstfSubject::SafeguardingAdults, 4) });
        r.immunisations.push(Antigen::Mmr);
        r.role_code = "bad code!".into();
        let errors = r.validate().unwrap_err();
        for field in [
            "checks[2].kind",
            "competences[1].competence",
            "competences[2].competence.level",
            "immunisations[2]",
            "role_code",
        ] {
            assert!(errors.has_field(field), "{field} missing from {errors}");
        }
    }

    #[test]
    fn requirement_ids_are_stable() {
        let r = nurse();
        assert_eq!(r.checks[0].id(), "check:criminal_record");
        assert_eq!(r.competences[0].id(), "competence:cstf:fire_safety:1");
        let ids: Vec<String> = r.items().iter().map(Requirement::id).collect();
        assert_eq!(
            ids,
            [
                "check:criminal_record",
                "check:identity",
                "competence:cstf:fire_safety:1",
                "immunisation:hepatitis_b",
                "immunisation:mmr"
            ]
        );
    }

    #[test]
    fn requirements_round_trip_through_json() {
        let mut role = nurse();
        role.epp_required = true;
        for item in role.items() {
            let json = serde_json::to_value(&item).unwrap();
            assert_eq!(serde_json::from_value::<Requirement>(json.clone()).unwrap(), item, "{json}");
        }
        assert_eq!(serde_json::to_value(Requirement::Epp).unwrap(), serde_json::json!({"type": "epp"}));
    }
}
