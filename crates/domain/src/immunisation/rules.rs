//! When an antigen is satisfied for occupational health, as plain functions of the evidence.
//!
//! - Hepatitis B: a responder anti-HBs result (≥ 10 mIU/mL).
//! - MMR: two documented doses, or positive measles serology.
//! - Varicella: reliable history of chickenpox or shingles, positive serology, or two doses.
//! - Tuberculosis: BCG scar or record, or a negative IGRA.
//! - Seasonal flu and COVID-19: a dose this season (from 1 September), or recorded exempt;
//!   the season's end is the expiry, so the requirement falls due each autumn.

use chrono::{Datelike, NaiveDate};

use super::{Antigen, Immunisation, ImmunisationStatus, SerologyTest};

/// The outcome of applying the rules to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OhAssessment {
    pub met: bool,
    /// Last day the evidence counts (seasonal antigens only).
    pub expires_on: Option<NaiveDate>,
    pub reason: String,
}

impl OhAssessment {
    fn met(reason: String) -> Self {
        Self { met: true, expires_on: None, reason }
    }

    fn not_met(reason: String) -> Self {
        Self { met: false, expires_on: None, reason }
    }
}

/// First day of the vaccination season containing `today` (seasons start on 1 September).
pub fn season_start(today: NaiveDate) -> NaiveDate {
    let year = if today.month() >= 9 { today.year() } else { today.year() - 1 };
    NaiveDate::from_ymd_opt(year, 9, 1).unwrap_or(today)
}

/// Applies the rule for the record's antigen.
pub fn assess(record: &Immunisation, today: NaiveDate) -> OhAssessment {
    match record.antigen {
        Antigen::HepatitisB => hepatitis_b(record),
        Antigen::Mmr => mmr(record),
        Antigen::Varicella => varicella(record),
        Antigen::Tuberculosis => tuberculosis(record),
        Antigen::SeasonalFlu | Antigen::Covid19 => seasonal(record, today),
    }
}

fn latest_positive(record: &Immunisation, test: SerologyTest) -> Option<NaiveDate> {
    record.serology.iter().filter(|s| s.test == test && s.is_positive()).map(|s| s.taken_on).max()
}

fn declined_or(record: &Immunisation, otherwise: String) -> OhAssessment {
    if record.status == ImmunisationStatus::Declined {
        OhAssessment::not_met(format!("declined; {otherwise}"))
    } else {
        OhAssessment::not_met(otherwise)
    }
}

/// Hepatitis B: a responder anti-HBs result.
pub fn hepatitis_b(record: &Immunisation) -> OhAssessment {
    let anti_hbs = record.serology.iter().filter(|s| s.test == SerologyTest::AntiHbs);
    if let Some(best) = anti_hbs.clone().filter(|s| s.is_positive()).max_by_key(|s| s.taken_on) {
        return OhAssessment::met(format!(
            "anti-HBs {} mIU/mL on {} (responder)",
            best.level_miu_ml.unwrap_or_default(),
            best.taken_on
        ));
    }
    let doses = record.doses.len();
    if let Some(last) = anti_hbs.max_by_key(|s| s.taken_on) {
        return OhAssessment::not_met(format!(
            "non-responder: anti-HBs {} mIU/mL on {} after {doses} doses; needs occupational health review",
            last.level_miu_ml.unwrap_or_default(),
            last.taken_on
        ));
    }
    let why = match doses {
        0 => "no hepatitis B doses or anti-HBs result recorded".to_owned(),
        1 | 2 => format!("course in progress ({doses} of 3 doses); anti-HBs result needed"),
        _ => format!("course of {doses} doses complete; anti-HBs result awaited"),
    };
    declined_or(record, why)
}

/// MMR: two doses or positive measles serology.
pub fn mmr(record: &Immunisation) -> OhAssessment {
    if let Some(on) = latest_positive(record, SerologyTest::MeaslesIgg) {
        return OhAssessment::met(format!("positive measles serology on {on}"));
    }
    let doses = record.doses.len();
    if doses >= 2 {
        return OhAssessment::met(format!("{doses} documented MMR doses"));
    }
    declined_or(record, format!("{doses} of 2 MMR doses and no positive measles serology"))
}

/// Varicella: history, positive serology or two doses.
pub fn varicella(record: &Immunisation) -> OhAssessment {
    if record.history_of_disease {
        return OhAssessment::met("reliable history of chickenpox or shingles".to_owned());
    }
    if let Some(on) = latest_positive(record, SerologyTest::VaricellaIgg) {
        return OhAssessment::met(format!("positive varicella serology on {on}"));
    }
    let doses = record.doses.len();
    if doses >= 2 {
        return OhAssessment::met(format!("{doses} varicella vaccine doses"));
    }
    declined_or(record, format!("no history or positive serology, and {doses} of 2 vaccine doses"))
}

/// Tuberculosis: BCG scar or record, or a negative IGRA.
pub fn tuberculosis(record: &Immunisation) -> OhAssessment {
    if record.bcg_scar {
        return OhAssessment::met("BCG scar seen".to_owned());
    }
    if let Some(dose) = record.doses.iter().map(|d| d.given_on).max() {
        return OhAssessment::met(format!("BCG recorded on {dose}"));
    }
    let latest_igra = record.serology.iter().filter(|s| s.test == SerologyTest::Igra).max_by_key(|s| s.taken_on);
    match latest_igra {
        Some(s) if s.result == super::SerologyResult::Negative => {
            OhAssessment::met(format!("negative IGRA on {}", s.taken_on))
        }
        Some(s) => {
            OhAssessment::not_met(format!("IGRA on {} was not negative; needs occupational health review", s.taken_on))
        }
        None => declined_or(record, "no BCG scar, BCG record or IGRA result".to_owned()),
    }
}

/// Seasonal flu and COVID-19: vaccinated this season, or exempt.
pub fn seasonal(record: &Immunisation, today: NaiveDate) -> OhAssessment {
    let start = season_start(today);
    let season_end = NaiveDate::from_ymd_opt(start.year() + 1, 8, 31);
    if let Some(dose) = record.doses.iter().map(|d| d.given_on).filter(|d| *d >= start).max() {
        return OhAssessment { met: true, expires_on: season_end, reason: format!("vaccinated on {dose} this season") };
    }
    if record.status == ImmunisationStatus::Exempt {
        return OhAssessment::met("recorded as exempt".to_owned());
    }
    declined_or(record, format!("not vaccinated this season (since {start})"))
}
