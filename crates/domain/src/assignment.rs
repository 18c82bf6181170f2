//! Assignments: a person's role at an organisation, with staff group, band, dates and status.
//!
//! The status moves one way only: Applicant → Active → Left, or Applicant → Left when an applicant
//! withdraws. Anything else is refused with a [`FieldError`] on `status`. Dates come in as
//! parameters; no clock is read here.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{FieldError, ValidationErrors};
use crate::newtype::check_text;

/// Where an assignment is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    /// Offered or in pre-employment checks; IAT runs at this stage.
    Applicant,
    /// Started work.
    Active,
    /// Left, or withdrew as an applicant.
    Left,
}

impl AssignmentStatus {
    /// Whether the status may change from `self` to `to`.
    pub fn can_become(self, to: AssignmentStatus) -> bool {
        use AssignmentStatus::{Active, Applicant, Left};
        matches!((self, to), (Applicant, Active) | (Applicant, Left) | (Active, Left))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentStatus::Applicant => "applicant",
            AssignmentStatus::Active => "active",
            AssignmentStatus::Left => "left",
        }
    }
}

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

/// Agenda for Change pay band, or any other grade (medical grades such as `FY1`, `ST3`,
/// `Consultant`, or local grades) as text.
///
/// JSON is a string: `"band_5"`, `"band_8a"`, or the other grade's text, e.g. `"ST3"`.
/// Input also accepts `"Band 5"`, `"5"`, `"8A"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Band {
    /// Agenda for Change band: "1"–"7", "8a"–"8d", "9".
    AfC(AfcBand),
    /// Any other grade, kept as written.
    Other(String),
}

/// The Agenda for Change bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AfcBand {
    B1,
    B2,
    B3,
    B4,
    B5,
    B6,
    B7,
    B8a,
    B8b,
    B8c,
    B8d,
    B9,
}

const AFC_BANDS: [(AfcBand, &str); 12] = [
    (AfcBand::B1, "1"),
    (AfcBand::B2, "2"),
    (AfcBand::B3, "3"),
    (AfcBand::B4, "4"),
    (AfcBand::B5, "5"),
    (AfcBand::B6, "6"),
    (AfcBand::B7, "7"),
    (AfcBand::B8a, "8a"),
    (AfcBand::B8b, "8b"),
    (AfcBand::B8c, "8c"),
    (AfcBand::B8d, "8d"),
    (AfcBand::B9, "9"),
];

impl AfcBand {
    /// "5", "8a".
    pub fn as_str(self) -> &'static str {
        AFC_BANDS.iter().find(|(b, _)| *b == self).map_or("", |(_, s)| s)
    }
}

impl Band {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let text = input.trim();
        check_text("band", text, 50)?;
        let lower = text.to_ascii_lowercase();
        let key = lower
            .strip_prefix("band_")
            .or_else(|| lower.strip_prefix("band "))
            .or_else(|| lower.strip_prefix("afc "))
            .unwrap_or(&lower)
            .trim();
        Ok(AFC_BANDS
            .iter()
            .find(|(_, s)| *s == key)
            .map_or_else(|| Band::Other(text.to_owned()), |(b, _)| Band::AfC(*b)))
    }

    /// Stable text: `band_5`, `band_8a`, or the other grade as written.
    pub fn as_string(&self) -> String {
        match self {
            Band::AfC(b) => format!("band_{}", b.as_str()),
            Band::Other(s) => s.clone(),
        }
    }
}

/// In OpenAPI a band is a plain string.
impl utoipa::PartialSchema for Band {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "Agenda for Change band as `band_1`..`band_9` (`band_8a`..`band_8d`), \
                 or another grade as written (`FY1`, `ST3`, `Consultant`)",
            ))
            .examples(["band_5", "band_8a", "ST3"])
            .into()
    }
}

impl ToSchema for Band {}

impl TryFrom<String> for Band {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Band::parse(&s)
    }
}

impl From<Band> for String {
    fn from(b: Band) -> String {
        b.as_string()
    }
}

impl std::fmt::Display for Band {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Band::AfC(b) => write!(f, "Band {}", b.as_str()),
            Band::Other(s) => f.write_str(s),
        }
    }
}

/// A person's assignment to a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// The role code; it names the [`crate::requirements::RoleRequirements`] that apply.
    pub role: String,
    pub staff_group: StaffGroup,
    pub band: Band,
    /// Planned start while an applicant; actual start once active.
    pub start_date: NaiveDate,
    #[serde(default)]
    pub end_date: Option<NaiveDate>,
    pub status: AssignmentStatus,
}

impl Assignment {
    pub const ROLE_MAX: usize = 100;

    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check("", check_text("role", &self.role, Self::ROLE_MAX));
        if let Some(end) = self.end_date
            && end < self.start_date
        {
            errors.add("end_date", format!("{end} is before the start date {}", self.start_date));
        }
        if self.status == AssignmentStatus::Left && self.end_date.is_none() {
            errors.add("end_date", "is required once the assignment has ended");
        }
        errors.into_result()
    }

    /// Moves the status to `to` on date `on`.
    ///
    /// Becoming active sets the start date to `on`; leaving sets the end date to `on`. An applicant
    /// who withdraws before the planned start keeps that start date and ends on it, so the record
    /// never ends before it starts.
    pub fn transition(&mut self, to: AssignmentStatus, on: NaiveDate) -> Result<(), FieldError> {
        if !self.status.can_become(to) {
            return Err(FieldError::new(
                "status",
                format!("cannot change from {} to {}", self.status.as_str(), to.as_str()),
            ));
        }
        match to {
            AssignmentStatus::Active => self.start_date = on,
            AssignmentStatus::Left if self.status == AssignmentStatus::Active => {
                if on < self.start_date {
                    return Err(FieldError::new(
                        "end_date",
                        format!("{on} is before the start date {}", self.start_date),
                    ));
                }
                self.end_date = Some(on);
            }
            AssignmentStatus::Left => self.end_date = Some(on.max(self.start_date)),
            AssignmentStatus::Applicant => {}
        }
        self.status = to;
        Ok(())
    }

    /// Whether the assignment is live on `day` (active and within its dates).
    pub fn is_current(&self, day: NaiveDate) -> bool {
        self.status == AssignmentStatus::Active && self.start_date <= day && self.end_date.is_none_or(|end| day <= end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AssignmentStatus::{Active, Applicant, Left};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn applicant() -> Assignment {
        Assignment {
            role: "NUR-B5-ED".into(),
            staff_group: StaffGroup::NursingAndMidwiferyRegistered,
            band: Band::parse("5").unwrap(),
            start_date: d("2026-01-05"),
            end_date: None,
            status: Applicant,
        }
    }

    #[test]
    fn status_transitions_follow_the_table() {
        let table = [
            (Applicant, Applicant, false),
            (Applicant, Active, true),
            (Applicant, Left, true),
            (Active, Applicant, false),
            (Active, Active, false),
            (Active, Left, true),
            (Left, Applicant, false),
            (Left, Active, false),
            (Left, Left, false),
        ];
        for (from, to, allowed) in table {
            assert_eq!(from.can_become(to), allowed, "{from:?} -> {to:?}");
            let mut a = applicant();
            a.status = from;
            a.end_date = (from == Left).then(|| d("2026-02-01"));
            let result = a.transition(to, d("2026-01-10"));
            assert_eq!(result.is_ok(), allowed, "{from:?} -> {to:?}");
            if let Err(e) = result {
                assert_eq!(e.field, "status");
                assert_eq!(a.status, from, "refused transition leaves the status alone");
            }
        }
    }

    #[test]
    fn starting_and_leaving_set_the_dates() {
        let mut a = applicant();
        a.transition(Active, d("2026-01-12")).unwrap();
        assert_eq!(a.start_date, d("2026-01-12"));
        a.transition(Left, d("2026-06-30")).unwrap();
        assert_eq!(a.end_date, Some(d("2026-06-30")));
        assert_eq!(a.validate(), Ok(()));
    }

    #[test]
    fn leaving_before_the_start_date_is_refused() {
        let mut a = applicant();
        a.transition(Active, d("2026-01-12")).unwrap();
        let err = a.transition(Left, d("2026-01-01")).unwrap_err();
        assert_eq!(err.field, "end_date");
        assert_eq!(a.status, Active);
    }

    #[test]
    fn withdrawn_applicant_never_ends_before_starting() {
        let mut a = applicant();
        a.transition(Left, d("2025-12-01")).unwrap();
        assert_eq!(a.end_date, Some(a.start_date));
        assert_eq!(a.validate(), Ok(()));
    }

    #[test]
    fn end_before_start_is_refused() {
        let mut a = applicant();
        a.end_date = Some(d("2025-01-01"));
        assert!(a.validate().unwrap_err().has_field("end_date"));
    }

    #[test]
    fn bands_parse_afc_and_keep_other_grades() {
        let cases = [
            ("5", "band_5"),
            ("Band 8a", "band_8a"),
            ("8D", "band_8d"),
            ("band_9", "band_9"),
            ("ST3", "ST3"),
            ("Consultant", "Consultant"),
        ];
        for (input, want) in cases {
            assert_eq!(Band::parse(input).unwrap().as_string(), want, "{input}");
        }
        assert!(Band::parse(" ").is_err());
        let json = serde_json::to_string(&Band::parse("8b").unwrap()).unwrap();
        assert_eq!(json, "\"band_8b\"");
        assert_eq!(serde_json::from_str::<Band>(&json).unwrap(), Band::AfC(AfcBand::B8b));
    }

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
