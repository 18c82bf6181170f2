//! The roles synthetic staff hold: ESR staff group, band, the register they must be on, and
//! whether the role is clinical (patient-facing, so it needs the clinical training levels,
//! immunisations and an enhanced DBS check). Shares are rough shapes of the NHS workforce by
//! staff group, adjusted by kind of organisation. Data plus the one picking function.

use domain::assignment::StaffGroup;
use domain::checks::{AssuranceLevel, CheckKind, DbsLevel};
use domain::org::OrgKind;
use domain::person::Register;
use domain::requirements::{CheckRequirement, CompetenceRequirement, RoleRequirements};
use rand::RngCore;

use crate::rng::weighted;

/// One role in the catalogue of synthetic roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    /// The role code an assignment carries and role requirements are keyed by.
    pub code: &'static str,
    pub title: &'static str,
    pub staff_group: StaffGroup,
    /// Agenda for Change band (`"5"`) or another grade (`"ST3"`).
    pub band: &'static str,
    /// Register and, for HCPC, the profession prefix.
    pub register: Option<(Register, &'static str)>,
    pub clinical: bool,
    /// Performs exposure-prone procedures (surgeons, midwives, dentists).
    pub epp: bool,
}

const fn role(
    code: &'static str,
    title: &'static str,
    staff_group: StaffGroup,
    band: &'static str,
    register: Option<(Register, &'static str)>,
    clinical: bool,
    epp: bool,
) -> Role {
    Role { code, title, staff_group, band, register, clinical, epp }
}

use Register as R;
use StaffGroup as G;

/// Every synthetic role, with its weight in an acute trust.
pub const ROLES: &[(Role, u32)] = &[
    (role("STAFF-NURSE", "Staff Nurse", G::NursingAndMidwiferyRegistered, "5", Some((R::Nmc, "")), true, false), 130),
    (
        role(
            "SENIOR-NURSE",
            "Senior Staff Nurse",
            G::NursingAndMidwiferyRegistered,
            "6",
            Some((R::Nmc, "")),
            true,
            false,
        ),
        70,
    ),
    (role("WARD-MANAGER", "Ward Manager", G::NursingAndMidwiferyRegistered, "7", Some((R::Nmc, "")), true, false), 20),
    (role("MIDWIFE", "Midwife", G::NursingAndMidwiferyRegistered, "6", Some((R::Nmc, "")), true, true), 25),
    (role("HCA", "Healthcare Assistant", G::AdditionalClinicalServices, "3", None, true, false), 150),
    (role("MSW", "Maternity Support Worker", G::AdditionalClinicalServices, "3", None, true, false), 20),
    (role("WARD-CLERK", "Ward Clerk", G::AdministrativeAndClerical, "2", None, false, false), 60),
    (role("MED-SEC", "Medical Secretary", G::AdministrativeAndClerical, "4", None, false, false), 60),
    (role("HR-ADVISOR", "HR Advisor", G::AdministrativeAndClerical, "5", None, false, false), 40),
    (role("SERVICE-MANAGER", "Service Manager", G::AdministrativeAndClerical, "8a", None, false, false), 40),
    (role("FY1", "Foundation Year 1 Doctor", G::MedicalAndDental, "FY1", Some((R::Gmc, "")), true, false), 20),
    (role("REGISTRAR", "Specialty Registrar", G::MedicalAndDental, "ST3", Some((R::Gmc, "")), true, false), 40),
    (role("SURGEON", "Consultant Surgeon", G::MedicalAndDental, "Consultant", Some((R::Gmc, "")), true, true), 15),
    (
        role("CONSULTANT", "Consultant Physician", G::MedicalAndDental, "Consultant", Some((R::Gmc, "")), true, false),
        25,
    ),
    (role("PHYSIO", "Physiotherapist", G::AlliedHealthProfessionals, "6", Some((R::Hcpc, "PH")), true, false), 25),
    (role("OT", "Occupational Therapist", G::AlliedHealthProfessionals, "5", Some((R::Hcpc, "OT")), true, false), 15),
    (
        role(
            "RADIOGRAPHER",
            "Diagnostic Radiographer",
            G::AlliedHealthProfessionals,
            "6",
            Some((R::Hcpc, "RA")),
            true,
            false,
        ),
        15,
    ),
    (role("PARAMEDIC", "Paramedic", G::AlliedHealthProfessionals, "6", Some((R::Hcpc, "PA")), true, false), 5),
    (role("PHARMACIST", "Pharmacist", G::AddProfScientificAndTechnic, "7", Some((R::Gphc, "")), true, false), 15),
    (
        role(
            "PHARM-TECH",
            "Pharmacy Technician",
            G::AddProfScientificAndTechnic,
            "5",
            Some((R::Gphc, "")),
            true,
            false,
        ),
        15,
    ),
    (
        role(
            "PSYCHOLOGIST",
            "Clinical Psychologist",
            G::AddProfScientificAndTechnic,
            "8a",
            Some((R::Hcpc, "PYL")),
            true,
            false,
        ),
        5,
    ),
    (role("BMS", "Biomedical Scientist", G::HealthcareScientists, "6", Some((R::Hcpc, "BS")), false, false), 20),
    (role("PORTER", "Porter", G::EstatesAndAncillary, "2", None, false, false), 30),
    (role("DOMESTIC", "Domestic Assistant", G::EstatesAndAncillary, "2", None, false, false), 35),
    (role("ELECTRICIAN", "Electrician", G::EstatesAndAncillary, "4", None, false, false), 10),
    (role("STUDENT-NURSE", "Student Nurse", G::Students, "Student", None, true, false), 10),
    (role("SOCIAL-WORKER", "Social Worker", G::AdministrativeAndClerical, "6", Some((R::Swe, "")), false, false), 0),
    (role("DENTIST", "Dentist", G::MedicalAndDental, "Dentist", Some((R::Gdc, "")), true, true), 0),
];

/// The weight of a role in an organisation of `kind`: acute trusts as listed; other kinds shift
/// the mix (ambulance trusts are mostly paramedics, ICBs mostly administrative, …).
fn weight(kind: OrgKind, role: &Role, base: u32) -> u32 {
    let clinical_admin =
        |clinical: u32, admin: u32| if role.clinical { base * clinical / 10 } else { base * admin / 10 };
    match (kind, role.code) {
        (OrgKind::AmbulanceTrust, "PARAMEDIC") => 400,
        (OrgKind::AmbulanceTrust, "HCA") => 150,
        (OrgKind::AmbulanceTrust, "MIDWIFE" | "MSW" | "SURGEON" | "FY1" | "STUDENT-NURSE") => 0,
        (OrgKind::MentalHealthTrust, "PSYCHOLOGIST") => 60,
        (OrgKind::MentalHealthTrust, "MIDWIFE" | "MSW" | "SURGEON" | "RADIOGRAPHER") => 0,
        (OrgKind::LocalAuthority, "SOCIAL-WORKER") => 300,
        (OrgKind::GpPractice, "DENTIST") => 0,
        (OrgKind::GpPractice, "CONSULTANT" | "SURGEON" | "REGISTRAR" | "MIDWIFE" | "MSW" | "PORTER") => 0,
        (OrgKind::Icb | OrgKind::LocalAuthority, _) => clinical_admin(1, 30),
        (OrgKind::Hospice, "SURGEON" | "MIDWIFE" | "MSW" | "FY1" | "REGISTRAR") => 0,
        (OrgKind::IndependentProvider, "DENTIST") => 40,
        _ => base,
    }
}

/// A role for one person of an organisation of `kind`.
pub fn pick(kind: OrgKind, rng: &mut impl RngCore) -> &'static Role {
    // A small fixed table per call keeps this allocation-free and deterministic.
    let mut table: [(usize, u32); ROLES.len()] = [(0, 0); ROLES.len()];
    for (i, (r, base)) in ROLES.iter().enumerate() {
        table[i] = (i, weight(kind, r, *base));
    }
    &ROLES[*weighted(rng, &table)].0
}

/// What the synthetic role needs, as an organisation would define it: the six checks (DBS
/// rechecked every three years, enhanced with the adults' barred list for clinical roles), the
/// role's CSTF levels, the clinical immunisations, and EPP clearance where it applies.
pub fn requirements(role: &Role) -> RoleRequirements {
    let mut checks = vec![
        CheckRequirement { min_assurance: Some(AssuranceLevel::Medium), ..CheckRequirement::of(CheckKind::Identity) },
        CheckRequirement::of(CheckKind::RightToWork),
        CheckRequirement::of(CheckKind::EmploymentHistory),
        CheckRequirement {
            min_dbs_level: Some(if role.clinical { DbsLevel::EnhancedAdults } else { DbsLevel::Basic }),
            max_age_months: Some(36),
            ..CheckRequirement::of(CheckKind::CriminalRecord)
        },
        CheckRequirement::of(CheckKind::WorkHealth),
    ];
    if role.register.is_some() {
        checks.push(CheckRequirement::of(CheckKind::ProfessionalRegistration));
    }
    RoleRequirements {
        role_code: role.code.to_owned(),
        title: role.title.to_owned(),
        checks,
        competences: crate::required_competences(role)
            .into_iter()
            .map(|competence| CompetenceRequirement { competence })
            .collect(),
        immunisations: crate::required_antigens(role).to_vec(),
        epp_required: role.epp,
        agreement_required: false,
    }
}

/// Every role's requirements.
pub fn all_requirements() -> Vec<RoleRequirements> {
    ROLES.iter().map(|(r, _)| requirements(r)).collect()
}

/// The role with this code.
pub fn by_code(code: &str) -> Option<&'static Role> {
    ROLES.iter().map(|(r, _)| r).find(|r| r.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::assignment::Band;

    #[test]
    fn every_kind_of_organisation_has_someone_to_employ() {
        for kind in OrgKind::ALL {
            let total: u32 = ROLES.iter().map(|(r, w)| weight(kind, r, *w)).sum();
            assert!(total > 0, "{kind:?}");
        }
    }

    #[test]
    fn role_codes_are_unique_and_bands_parse() {
        for (i, (r, _)) in ROLES.iter().enumerate() {
            assert!(ROLES[..i].iter().all(|(o, _)| o.code != r.code), "{}", r.code);
            Band::parse(r.band).unwrap();
            assert!(by_code(r.code).is_some());
            requirements(r).validate().unwrap_or_else(|e| panic!("{}: {e}", r.code));
        }
    }
}
