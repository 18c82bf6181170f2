//! The CSTF catalogue: the one table of subjects, levels and refresher periods (domain.md §4), and
//! an organisation's [`Catalogue`] built from it with local overrides and local competences.
//!
//! Refresher periods are the framework's recommendations and partly unconfirmed, so they are data
//! in [`CSTF_TABLE`], never constants elsewhere. An organisation may shorten a period (never
//! lengthen it) and add local competences.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{CompetenceRef, CstfSubject, format_esr_name};
use crate::error::{ValidationErrors, indexed};
use crate::newtype::check_text;

/// One subject at one level, as the national framework recommends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CstfEntry {
    pub subject: CstfSubject,
    pub level: u8,
    /// The level as ESR names it (`Level 2`), or `None` for single-level subjects.
    pub level_label: Option<&'static str>,
    pub refresher_months: u32,
}

const fn e(subject: CstfSubject, level: u8, label: Option<&'static str>, months: u32) -> CstfEntry {
    CstfEntry { subject, level, level_label: label, refresher_months: months }
}

use CstfSubject as S;

/// The national table. Fire Safety: 1 or 2 years by local risk assessment, 2 years as in ESR.
/// Moving and Handling level 2: 2 years (unconfirmed). Preventing Radicalisation: level 1 is basic
/// Prevent awareness, level 3 is Prevent awareness. Resuscitation level 2 covers the adult,
/// paediatric and newborn basic life support variants.
pub const CSTF_TABLE: &[CstfEntry] = &[
    e(S::ConflictResolution, 1, None, 36),
    e(S::EqualityDiversityHumanRights, 1, None, 36),
    e(S::FireSafety, 1, None, 24),
    e(S::HealthSafetyWelfare, 1, None, 36),
    e(S::InfectionPreventionControl, 1, Some("Level 1"), 36),
    e(S::InfectionPreventionControl, 2, Some("Level 2"), 12),
    e(S::InformationGovernance, 1, None, 12),
    e(S::MovingHandling, 1, Some("Level 1"), 36),
    e(S::MovingHandling, 2, Some("Level 2"), 24),
    e(S::PreventingRadicalisation, 1, Some("Basic Prevent Awareness"), 36),
    e(S::PreventingRadicalisation, 3, Some("Prevent Awareness"), 36),
    e(S::Resuscitation, 1, Some("Level 1"), 12),
    e(S::Resuscitation, 2, Some("Level 2"), 12),
    e(S::Resuscitation, 3, Some("Level 3"), 12),
    e(S::SafeguardingAdults, 1, Some("Level 1"), 36),
    e(S::SafeguardingAdults, 2, Some("Level 2"), 36),
    e(S::SafeguardingAdults, 3, Some("Level 3"), 36),
    e(S::SafeguardingChildren, 1, Some("Level 1"), 36),
    e(S::SafeguardingChildren, 2, Some("Level 2"), 36),
    e(S::SafeguardingChildren, 3, Some("Level 3"), 36),
];

/// The national table.
pub fn catalogue() -> &'static [CstfEntry] {
    CSTF_TABLE
}

/// The national entry for a subject and level, if that level exists.
pub fn national_entry(subject: CstfSubject, level: u8) -> Option<&'static CstfEntry> {
    CSTF_TABLE.iter().find(|e| e.subject == subject && e.level == level)
}

/// The levels a subject has, lowest first.
pub fn levels_of(subject: CstfSubject) -> impl Iterator<Item = u8> {
    CSTF_TABLE.iter().filter(move |e| e.subject == subject).map(|e| e.level)
}

/// An organisation's shorter refresher period for one subject and level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefresherOverride {
    pub subject: CstfSubject,
    pub level: u8,
    pub refresher_months: u32,
}

/// A competence defined by the organisation itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalCompetence {
    /// Stable code, letters, digits, `-`, `_` or `.`, e.g. `SHARPS-1`.
    pub code: String,
    pub name: String,
    /// `None` for a competence that never needs refreshing.
    #[serde(default)]
    pub refresher_months: Option<u32>,
}

impl LocalCompetence {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        errors.check("", check_local_code(&self.code));
        errors.check("", check_text("name", &self.name, 200));
        if self.refresher_months == Some(0) {
            errors.add("refresher_months", "must be at least 1 month");
        }
        errors.into_result()
    }
}

/// Checks a local competence code.
pub fn check_local_code(code: &str) -> Result<(), crate::FieldError> {
    let ok = (1..=40).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(crate::FieldError::new("code", format!("{code:?} must be 1 to 40 letters, digits, '-', '_' or '.'")))
    }
}

/// An organisation's changes to the national catalogue, as stored and sent over the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueOverrides {
    #[serde(default)]
    pub refreshers: Vec<RefresherOverride>,
    #[serde(default)]
    pub local: Vec<LocalCompetence>,
}

/// One line of an organisation's catalogue, for listing it over the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CatalogueItem {
    /// `CompetenceRef::key()`, e.g. `cstf:fire_safety:1`.
    pub key: String,
    pub competence: CompetenceRef,
    pub label: String,
    /// ESR's name with this organisation's period (national competences only).
    pub esr_name: Option<String>,
    /// `None` for a local competence that never needs refreshing.
    pub refresher_months: Option<u32>,
    /// Whether the organisation shortened the national period.
    pub overridden: bool,
}

const LEVEL_SLOTS: usize = 4;

/// The catalogue an organisation evaluates against: national periods with its overrides, plus
/// its local competences. Look-ups are constant-time for CSTF entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    months: [[Option<u32>; LEVEL_SLOTS]; CstfSubject::ALL.len()],
    local: Vec<LocalCompetence>,
}

impl Default for Catalogue {
    fn default() -> Self {
        Self::national()
    }
}

impl Catalogue {
    /// The national table, unchanged.
    pub fn national() -> Self {
        let mut months = [[None; LEVEL_SLOTS]; CstfSubject::ALL.len()];
        for entry in CSTF_TABLE {
            months[entry.subject.index()][usize::from(entry.level)] = Some(entry.refresher_months);
        }
        Self { months, local: Vec::new() }
    }

    /// The national table with an organisation's overrides; refuses unknown levels, periods
    /// longer than the national one, and duplicate local codes.
    pub fn with_overrides(overrides: &CatalogueOverrides) -> Result<Self, ValidationErrors> {
        let mut catalogue = Self::national();
        let mut errors = ValidationErrors::new();
        for (i, o) in overrides.refreshers.iter().enumerate() {
            let at = indexed("refreshers", i);
            match national_entry(o.subject, o.level) {
                None => errors.add(format!("{at}.level"), format!("{} has no level {}", o.subject.name(), o.level)),
                Some(_) if o.refresher_months == 0 => {
                    errors.add(format!("{at}.refresher_months"), "must be at least 1 month");
                }
                Some(national) if o.refresher_months > national.refresher_months => errors.add(
                    format!("{at}.refresher_months"),
                    format!(
                        "{} months is longer than the national {} months; only shorter periods are allowed",
                        o.refresher_months, national.refresher_months
                    ),
                ),
                Some(_) => {
                    catalogue.months[o.subject.index()][usize::from(o.level)] = Some(o.refresher_months);
                }
            }
        }
        for (i, local) in overrides.local.iter().enumerate() {
            let at = indexed("local", i);
            errors.merge(&at, local.validate());
            if overrides.local[..i].iter().any(|l| l.code == local.code) {
                errors.add(format!("{at}.code"), format!("{} is defined twice", local.code));
            }
        }
        catalogue.local.clone_from(&overrides.local);
        errors.into_result().map(|()| catalogue)
    }

    /// Refresher period for a CSTF subject and level; `None` if that level does not exist.
    pub fn cstf_refresher_months(&self, subject: CstfSubject, level: u8) -> Option<u32> {
        self.months[subject.index()].get(usize::from(level)).copied().flatten()
    }

    /// Whether a CSTF level exists.
    pub fn has_level(&self, subject: CstfSubject, level: u8) -> bool {
        self.cstf_refresher_months(subject, level).is_some()
    }

    /// Every national entry (with this organisation's periods), then the local competences.
    pub fn items(&self) -> Vec<CatalogueItem> {
        let national = CSTF_TABLE.iter().map(|entry| {
            let competence = CompetenceRef::cstf(entry.subject, entry.level);
            let months = self.cstf_refresher_months(entry.subject, entry.level).unwrap_or(entry.refresher_months);
            CatalogueItem {
                key: competence.key(),
                label: competence.label(),
                esr_name: format_esr_name(entry.subject, entry.level, months),
                competence,
                refresher_months: Some(months),
                overridden: months != entry.refresher_months,
            }
        });
        let local = self.local.iter().map(|l| {
            let competence = CompetenceRef::Local {
                code: l.code.clone(),
                name: l.name.clone(),
                refresher_months: l.refresher_months,
            };
            CatalogueItem {
                key: competence.key(),
                label: l.name.clone(),
                esr_name: None,
                competence,
                refresher_months: l.refresher_months,
                overridden: false,
            }
        });
        national.chain(local).collect()
    }

    pub fn local(&self, code: &str) -> Option<&LocalCompetence> {
        self.local.iter().find(|l| l.code == code)
    }

    pub fn local_competences(&self) -> &[LocalCompetence] {
        &self.local
    }

    /// Refresher period for any competence: the catalogue's for CSTF; for a local competence the
    /// catalogue's definition if it has one, else the period carried by the reference.
    pub fn refresher_months(&self, competence: &CompetenceRef) -> Option<u32> {
        match competence {
            CompetenceRef::Cstf { subject, level } => self.cstf_refresher_months(*subject, *level),
            CompetenceRef::Local { code, refresher_months, .. } => {
                self.local(code).map_or(*refresher_months, |l| l.refresher_months)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_table_has_eleven_subjects() {
        for subject in CstfSubject::ALL {
            assert!(levels_of(subject).next().is_some(), "{subject:?} missing from the table");
        }
        assert_eq!(CSTF_TABLE.len(), 20);
    }

    #[test]
    fn national_refresher_periods_follow_the_framework() {
        use CstfSubject as S;
        let table = [
            (S::ConflictResolution, 1, 36),
            (S::EqualityDiversityHumanRights, 1, 36),
            (S::FireSafety, 1, 24),
            (S::HealthSafetyWelfare, 1, 36),
            (S::InfectionPreventionControl, 1, 36),
            (S::InfectionPreventionControl, 2, 12),
            (S::InformationGovernance, 1, 12),
            (S::MovingHandling, 1, 36),
            (S::MovingHandling, 2, 24),
            (S::PreventingRadicalisation, 1, 36),
            (S::PreventingRadicalisation, 3, 36),
            (S::Resuscitation, 1, 12),
            (S::Resuscitation, 2, 12),
            (S::Resuscitation, 3, 12),
            (S::SafeguardingAdults, 1, 36),
            (S::SafeguardingAdults, 2, 36),
            (S::SafeguardingAdults, 3, 36),
            (S::SafeguardingChildren, 1, 36),
            (S::SafeguardingChildren, 2, 36),
            (S::SafeguardingChildren, 3, 36),
        ];
        let national = Catalogue::national();
        for (subject, level, months) in table {
            assert_eq!(national.cstf_refresher_months(subject, level), Some(months), "{subject:?} L{level}");
        }
        assert_eq!(national.cstf_refresher_months(S::FireSafety, 2), None);
        assert_eq!(national.cstf_refresher_months(S::SafeguardingAdults, 4), None);
        assert_eq!(national.cstf_refresher_months(S::PreventingRadicalisation, 2), None);
    }

    #[test]
    fn organisation_may_shorten_but_not_lengthen_a_refresher() {
        let overrides = CatalogueOverrides {
            refreshers: vec![RefresherOverride { subject: CstfSubject::FireSafety, level: 1, refresher_months: 12 }],
            local: vec![LocalCompetence {
                code: "SHARPS-1".into(),
                name: "Sharps safety".into(),
                refresher_months: Some(24),
            }],
        };
        let cat = Catalogue::with_overrides(&overrides).unwrap();
        assert_eq!(cat.cstf_refresher_months(CstfSubject::FireSafety, 1), Some(12));
        assert_eq!(cat.local("SHARPS-1").unwrap().refresher_months, Some(24));

        let longer = CatalogueOverrides {
            refreshers: vec![RefresherOverride {
                subject: CstfSubject::InformationGovernance,
                level: 1,
                refresher_months: 24,
            }],
            local: vec![],
        };
        let errors = Catalogue::with_overrides(&longer).unwrap_err();
        assert!(errors.has_field("refreshers[0].refresher_months"), "{errors}");
    }

    #[test]
    fn catalogue_lists_national_then_local_items_with_esr_names() {
        let cat = Catalogue::with_overrides(&CatalogueOverrides {
            refreshers: vec![RefresherOverride { subject: CstfSubject::FireSafety, level: 1, refresher_months: 12 }],
            local: vec![LocalCompetence {
                code: "SHARPS-1".into(),
                name: "Sharps safety".into(),
                refresher_months: None,
            }],
        })
        .unwrap();
        let items = cat.items();
        assert_eq!(items.len(), CSTF_TABLE.len() + 1);
        let fire = items.iter().find(|i| i.key == "cstf:fire_safety:1").unwrap();
        assert_eq!(fire.esr_name.as_deref(), Some("NHS|CSTF|Fire Safety - 1 Year|"));
        assert!(fire.overridden);
        let last = items.last().unwrap();
        assert_eq!((last.key.as_str(), last.refresher_months), ("local:SHARPS-1", None));
    }

    #[test]
    fn overrides_with_unknown_levels_or_duplicate_codes_are_refused() {
        let local = LocalCompetence { code: "X1".into(), name: "X".into(), refresher_months: None };
        let overrides = CatalogueOverrides {
            refreshers: vec![RefresherOverride { subject: CstfSubject::FireSafety, level: 3, refresher_months: 12 }],
            local: vec![local.clone(), local],
        };
        let errors = Catalogue::with_overrides(&overrides).unwrap_err();
        assert!(errors.has_field("refreshers[0].level"));
        assert!(errors.has_field("local[1].code"));
    }
}
