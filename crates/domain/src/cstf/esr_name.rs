//! ESR's names for national competences: `NHS|CSTF|<Subject>[ - <Level>] - <period>|`.
//!
//! Examples: `NHS|CSTF|Fire Safety - 2 Years|`,
//! `NHS|CSTF|Safeguarding Adults - Level 2 - 3 Years|`,
//! `NHS|CSTF|Resuscitation - Level 2 - Adult Basic Life Support - 1 Year|`.
//! The period in a name is what that organisation uses (Fire Safety may be 1 or 2 years), so the
//! parser returns it alongside the competence rather than trusting the catalogue.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{CompetenceRef, CstfSubject, levels_of, national_entry};
use crate::error::FieldError;

const PREFIX: &str = "NHS|CSTF|";

/// A parsed ESR competence name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EsrCompetence {
    pub competence: CompetenceRef,
    /// The refresher period written in the name, if it has one.
    pub refresher_months: Option<u32>,
}

/// Parses an ESR national competence name. Errors name the field `name`.
pub fn parse_esr_name(input: &str) -> Result<EsrCompetence, FieldError> {
    let bad = |why: String| FieldError::new("name", why);
    let text = input.trim();
    let body =
        text.get(..PREFIX.len()).filter(|p| p.eq_ignore_ascii_case(PREFIX)).map(|_| &text[PREFIX.len()..]).ok_or_else(
            || bad(format!("{text:?} is not a national CSTF name (expected NHS|CSTF|<Subject> - <period>|)")),
        )?;
    let body = body.strip_suffix('|').unwrap_or(body);
    let mut parts: Vec<&str> = body.split(" - ").map(str::trim).collect();

    let subject = CstfSubject::parse(parts[0]).map_err(|_| bad(format!("{:?} is not a CSTF subject", parts[0])))?;
    let refresher_months = parts.last().and_then(|last| parse_period(last)).filter(|_| parts.len() > 1);
    if refresher_months.is_some() {
        parts.pop();
    }

    let level = parts[1..]
        .iter()
        .find_map(|part| parse_level(subject, part))
        .or_else(|| {
            let mut levels = levels_of(subject);
            let first = levels.next();
            levels.next().is_none().then_some(first).flatten()
        })
        .ok_or_else(|| bad(format!("{:?} does not say which level of {}", text, subject.name())))?;
    if national_entry(subject, level).is_none() {
        return Err(bad(format!("{} has no level {level}", subject.name())));
    }
    Ok(EsrCompetence { competence: CompetenceRef::Cstf { subject, level }, refresher_months })
}

/// `Level 2`, or a subject's own level label (`Basic Prevent Awareness`).
fn parse_level(subject: CstfSubject, part: &str) -> Option<u8> {
    let lower = part.to_ascii_lowercase();
    if let Some(n) = lower.strip_prefix("level ") {
        return n.trim().parse().ok();
    }
    super::CSTF_TABLE
        .iter()
        .filter(|e| e.subject == subject)
        .find(|e| e.level_label.is_some_and(|l| l.eq_ignore_ascii_case(part)))
        .map(|e| e.level)
}

/// `1 Year`, `2 Years`, `6 Months`.
fn parse_period(part: &str) -> Option<u32> {
    let (number, unit) = part.split_once(' ')?;
    let n: u32 = number.parse().ok()?;
    match unit.trim().to_ascii_lowercase().as_str() {
        "year" | "years" => n.checked_mul(12),
        "month" | "months" => Some(n),
        _ => None,
    }
}

fn format_period(months: u32) -> String {
    match (months % 12, months / 12) {
        (0, 1) => "1 Year".to_owned(),
        (0, years) => format!("{years} Years"),
        (_, _) if months == 1 => "1 Month".to_owned(),
        _ => format!("{months} Months"),
    }
}

/// Formats the ESR name for a subject, level and refresher period; `None` if the level does
/// not exist.
pub fn format_esr_name(subject: CstfSubject, level: u8, refresher_months: u32) -> Option<String> {
    let entry = national_entry(subject, level)?;
    let level_part = entry.level_label.map_or_else(String::new, |label| format!(" - {label}"));
    Some(format!("{PREFIX}{}{level_part} - {}|", subject.name(), format_period(refresher_months)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use CstfSubject as S;

    #[test]
    fn esr_names_parse_to_subject_level_and_period() {
        let cases = [
            ("NHS|CSTF|Fire Safety - 2 Years|", S::FireSafety, 1, Some(24)),
            ("NHS|CSTF|Fire Safety - 1 Year|", S::FireSafety, 1, Some(12)),
            ("NHS|CSTF|Information Governance and Data Security - 1 Year|", S::InformationGovernance, 1, Some(12)),
            ("NHS|CSTF|Equality, Diversity and Human Rights - 3 Years|", S::EqualityDiversityHumanRights, 1, Some(36)),
            ("NHS|CSTF|Safeguarding Adults - Level 2 - 3 Years|", S::SafeguardingAdults, 2, Some(36)),
            ("NHS|CSTF|Resuscitation - Level 2 - Adult Basic Life Support - 1 Year|", S::Resuscitation, 2, Some(12)),
            (
                "NHS|CSTF|Preventing Radicalisation - Basic Prevent Awareness - 3 Years|",
                S::PreventingRadicalisation,
                1,
                Some(36),
            ),
            ("nhs|cstf|conflict resolution|", S::ConflictResolution, 1, None),
        ];
        for (name, subject, level, months) in cases {
            let parsed = parse_esr_name(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(parsed.competence, CompetenceRef::Cstf { subject, level }, "{name}");
            assert_eq!(parsed.refresher_months, months, "{name}");
        }
    }

    #[test]
    fn bad_esr_names_are_refused_naming_the_field() {
        for name in [
            "Fire Safety - 2 Years",
            "NHS|CSTF|Fire Safty - 2 Years|",
            "NHS|CSTF|Safeguarding Adults - 3 Years|",
            "NHS|CSTF|Safeguarding Adults - Level 5 - 3 Years|",
            "NHS|CSTF||",
        ] {
            let err = parse_esr_name(name).expect_err(name);
            assert_eq!(err.field, "name", "{name}");
        }
    }

    #[test]
    fn every_catalogue_entry_formats_and_parses_back() {
        for entry in super::super::CSTF_TABLE {
            let name = format_esr_name(entry.subject, entry.level, entry.refresher_months).unwrap();
            let parsed = parse_esr_name(&name).unwrap();
            assert_eq!(parsed.competence, CompetenceRef::cstf(entry.subject, entry.level), "{name}");
            assert_eq!(parsed.refresher_months, Some(entry.refresher_months));
        }
        assert_eq!(format_esr_name(S::FireSafety, 1, 24).unwrap(), "NHS|CSTF|Fire Safety - 2 Years|");
        assert_eq!(
            format_esr_name(S::InformationGovernance, 1, 12).unwrap(),
            "NHS|CSTF|Information Governance and Data Security - 1 Year|"
        );
        assert_eq!(format_esr_name(S::FireSafety, 2, 24), None);
        assert_eq!(format_period(6), "6 Months");
    }
}
