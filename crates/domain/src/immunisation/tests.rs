//! Table tests for immunisation records and the occupational health rules.

use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const TODAY: &str = "2026-11-25";

fn record(antigen: Antigen) -> Immunisation {
    Immunisation {
        antigen,
        status: ImmunisationStatus::Unknown,
        doses: vec![],
        serology: vec![],
        history_of_disease: false,
        bcg_scar: false,
        recorded_by: Some("OH nurse".into()),
        notes: None,
        passport: None,
    }
}

fn doses(dates: &[&str]) -> Vec<Dose> {
    dates.iter().map(|on| Dose { given_on: d(on), product: None, batch: None }).collect()
}

fn sero(test: SerologyTest, on: &str, result: SerologyResult, level: Option<f64>) -> Serology {
    Serology { test, taken_on: d(on), result, level_miu_ml: level }
}

#[test]
fn hepatitis_b_needs_a_responder_result() {
    use SerologyResult::{Negative, Positive};
    let three = doses(&["2025-01-01", "2025-02-01", "2025-07-01"]);
    let cases = [
        (vec![], vec![], false, "no hepatitis B doses"),
        (three[..2].to_vec(), vec![], false, "course in progress"),
        (three.clone(), vec![], false, "anti-HBs result awaited"),
        (three.clone(), vec![sero(SerologyTest::AntiHbs, "2025-09-01", Negative, Some(4.0))], false, "non-responder"),
        (three.clone(), vec![sero(SerologyTest::AntiHbs, "2025-09-01", Positive, Some(10.0))], true, "responder"),
        (three, vec![sero(SerologyTest::AntiHbs, "2025-09-01", Positive, Some(250.0))], true, "250 mIU/mL"),
    ];
    for (given, serology, met, reason) in cases {
        let mut r = record(Antigen::HepatitisB);
        r.doses = given;
        r.serology = serology;
        assert_eq!(r.validate(d(TODAY)), Ok(()));
        let a = assess(&r, d(TODAY));
        assert_eq!(a.met, met, "{reason}: {a:?}");
        assert!(a.reason.contains(reason), "{a:?} should mention {reason}");
    }
}

#[test]
fn mmr_needs_two_doses_or_positive_measles_serology() {
    let mut r = record(Antigen::Mmr);
    r.doses = doses(&["1995-01-01"]);
    assert!(!assess(&r, d(TODAY)).met);
    r.doses = doses(&["1995-01-01", "1999-01-01"]);
    assert!(assess(&r, d(TODAY)).met);
    r.doses.clear();
    r.serology = vec![sero(SerologyTest::MeaslesIgg, "2024-01-01", SerologyResult::Positive, None)];
    assert!(assess(&r, d(TODAY)).met);
    r.serology = vec![sero(SerologyTest::RubellaIgg, "2024-01-01", SerologyResult::Positive, None)];
    assert!(!assess(&r, d(TODAY)).met, "rubella alone is not measles immunity");
}

#[test]
fn varicella_accepts_history_serology_or_two_doses() {
    let mut r = record(Antigen::Varicella);
    assert!(!assess(&r, d(TODAY)).met);
    r.history_of_disease = true;
    assert!(assess(&r, d(TODAY)).met);
    r.history_of_disease = false;
    r.serology = vec![sero(SerologyTest::VaricellaIgg, "2024-01-01", SerologyResult::Positive, None)];
    assert!(assess(&r, d(TODAY)).met);
    r.serology.clear();
    r.doses = doses(&["2024-01-01", "2024-02-01"]);
    assert!(assess(&r, d(TODAY)).met);
}

#[test]
fn tuberculosis_accepts_bcg_or_negative_igra() {
    let mut r = record(Antigen::Tuberculosis);
    assert!(!assess(&r, d(TODAY)).met);
    r.bcg_scar = true;
    assert!(assess(&r, d(TODAY)).met);
    r.bcg_scar = false;
    r.serology = vec![sero(SerologyTest::Igra, "2025-01-01", SerologyResult::Negative, None)];
    assert!(assess(&r, d(TODAY)).met);
    r.serology = vec![sero(SerologyTest::Igra, "2025-01-01", SerologyResult::Positive, None)];
    assert!(!assess(&r, d(TODAY)).met);
}

#[test]
fn seasonal_vaccination_counts_for_the_current_season_only() {
    let mut r = record(Antigen::SeasonalFlu);
    r.doses = doses(&["2025-10-01"]);
    let a = assess(&r, d(TODAY));
    assert!(!a.met, "last season's dose: {a:?}");
    r.doses = doses(&["2026-10-01"]);
    let a = assess(&r, d(TODAY));
    assert!(a.met);
    assert_eq!(a.expires_on, Some(d("2027-08-31")));
    assert_eq!(season_start(d("2026-08-31")), d("2025-09-01"));
    assert_eq!(season_start(d("2026-09-01")), d("2026-09-01"));
    let mut exempt = record(Antigen::Covid19);
    exempt.status = ImmunisationStatus::Exempt;
    assert!(assess(&exempt, d(TODAY)).met);
    let mut declined = record(Antigen::Covid19);
    declined.status = ImmunisationStatus::Declined;
    let a = assess(&declined, d(TODAY));
    assert!(!a.met && a.reason.starts_with("declined"), "{a:?}");
}

#[test]
fn anti_hbs_needs_a_level_that_agrees_with_the_result() {
    let mut r = record(Antigen::HepatitisB);
    r.serology = vec![sero(SerologyTest::AntiHbs, "2025-01-01", SerologyResult::Positive, None)];
    assert!(r.validate(d(TODAY)).unwrap_err().has_field("serology[0].level_miu_ml"));
    r.serology = vec![sero(SerologyTest::AntiHbs, "2025-01-01", SerologyResult::Positive, Some(3.0))];
    assert!(r.validate(d(TODAY)).unwrap_err().has_field("serology[0].result"));
    r.serology = vec![sero(SerologyTest::AntiHbs, "2025-01-01", SerologyResult::Negative, Some(-1.0))];
    assert!(r.validate(d(TODAY)).unwrap_err().has_field("serology[0].level_miu_ml"));
}

#[test]
fn future_doses_and_mismatched_tests_are_refused() {
    let mut r = record(Antigen::Mmr);
    r.doses = doses(&["2027-01-01"]);
    r.serology = vec![sero(SerologyTest::Igra, "2025-01-01", SerologyResult::Negative, None)];
    let errors = r.validate(d(TODAY)).unwrap_err();
    assert!(errors.has_field("doses[0].given_on"), "{errors}");
    assert!(errors.has_field("serology[0].test"), "{errors}");
}

#[test]
fn immunisation_json_round_trips() {
    let mut r = record(Antigen::HepatitisB);
    r.serology = vec![sero(SerologyTest::AntiHbs, "2025-01-01", SerologyResult::Positive, Some(120.0))];
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["antigen"], "hepatitis_b");
    assert_eq!(json["serology"][0]["test"], "anti_hbs");
    assert_eq!(serde_json::from_value::<Immunisation>(json).unwrap(), r);
    for antigen in Antigen::ALL {
        let json = serde_json::to_value(antigen).unwrap();
        assert_eq!(json, antigen.key());
    }
}

#[test]
fn oh_clearance_dates_are_checked() {
    let c = OhClearance {
        epp: EppClearance::Cleared,
        cleared_on: d("2027-01-01"),
        cleared_by: "OH".into(),
        restrictions: None,
        review_on: Some(d("2026-01-01")),
    };
    let errors = c.validate(d(TODAY)).unwrap_err();
    assert!(errors.has_field("cleared_on"));
    assert!(errors.has_field("review_on"));
}
