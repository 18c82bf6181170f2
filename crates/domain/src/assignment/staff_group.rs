//! ESR staff groups: the fixed list ESR reports by, with the names ESR prints.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldError;

/// ESR staff groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffGroup {
    AddProfScientificAndTechnic,
    AdditionalClinicalServices,
    AdministrativeAndClerical,
    AlliedHealthProfessionals,
    EstatesAndAncillary,
    HealthcareScientists,
    MedicalAndDental,
    NursingAndMidwiferyRegistered,
    Students,
}

impl StaffGroup {
    pub const ALL: [StaffGroup; 9] = [
        StaffGroup::AddProfScientificAndTechnic,
        StaffGroup::AdditionalClinicalServices,
        StaffGroup::AdministrativeAndClerical,
        StaffGroup::AlliedHealthProfessionals,
        StaffGroup::EstatesAndAncillary,
        StaffGroup::HealthcareScientists,
        StaffGroup::MedicalAndDental,
        StaffGroup::NursingAndMidwiferyRegistered,
        StaffGroup::Students,
    ];

    /// The name as ESR prints it.
    pub fn esr_name(self) -> &'static str {
        match self {
            StaffGroup::AddProfScientificAndTechnic => "Add Prof Scientific and Technic",
            StaffGroup::AdditionalClinicalServices => "Additional Clinical Services",
            StaffGroup::AdministrativeAndClerical => "Administrative and Clerical",
            StaffGroup::AlliedHealthProfessionals => "Allied Health Professionals",
            StaffGroup::EstatesAndAncillary => "Estates and Ancillary",
            StaffGroup::HealthcareScientists => "Healthcare Scientists",
            StaffGroup::MedicalAndDental => "Medical and Dental",
            StaffGroup::NursingAndMidwiferyRegistered => "Nursing and Midwifery Registered",
            StaffGroup::Students => "Students",
        }
    }

    /// The snake_case key used in JSON.
    pub fn key(self) -> &'static str {
        match self {
            StaffGroup::AddProfScientificAndTechnic => "add_prof_scientific_and_technic",
            StaffGroup::AdditionalClinicalServices => "additional_clinical_services",
            StaffGroup::AdministrativeAndClerical => "administrative_and_clerical",
            StaffGroup::AlliedHealthProfessionals => "allied_health_professionals",
            StaffGroup::EstatesAndAncillary => "estates_and_ancillary",
            StaffGroup::HealthcareScientists => "healthcare_scientists",
            StaffGroup::MedicalAndDental => "medical_and_dental",
            StaffGroup::NursingAndMidwiferyRegistered => "nursing_and_midwifery_registered",
            StaffGroup::Students => "students",
        }
    }

    /// Accepts the ESR name (any case) or the snake_case key.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let wanted = input.trim();
        Self::ALL
            .into_iter()
            .find(|g| g.esr_name().eq_ignore_ascii_case(wanted) || g.key() == wanted)
            .ok_or_else(|| FieldError::new("staff_group", format!("{wanted:?} is not an ESR staff group")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_groups_parse_from_esr_names() {
        for g in StaffGroup::ALL {
            assert_eq!(StaffGroup::parse(g.esr_name()), Ok(g));
            let json = serde_json::to_string(&g).unwrap();
            assert_eq!(json, format!("\"{}\"", g.key()));
        }
        assert_eq!(StaffGroup::parse("medical_and_dental"), Ok(StaffGroup::MedicalAndDental));
        assert_eq!(StaffGroup::parse("Doctors").unwrap_err().field, "staff_group");
    }
}
