//! Table tests for competences: JSON shape, validation and expiry for every subject and level.

use super::*;
use chrono::Months;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn done(competence: CompetenceRef, on: &str) -> Competence {
    Competence {
        competence,
        completed_on: d(on),
        source: CompetenceSource::ELearning,
        provider: Some("e-Learning for Healthcare".into()),
    }
}

#[test]
fn subject_index_matches_its_position() {
    for (i, s) in CstfSubject::ALL.into_iter().enumerate() {
        assert_eq!(s.index(), i);
        assert_eq!(CstfSubject::parse(s.key()), Ok(s));
        assert_eq!(CstfSubject::parse(&s.name().to_uppercase()), Ok(s));
    }
}

#[test]
fn expiry_is_completion_plus_refresher_for_every_subject_and_level() {
    for entry in CSTF_TABLE {
        let c = done(CompetenceRef::cstf(entry.subject, entry.level), "2024-03-15");
        let want = d("2024-03-15").checked_add_months(Months::new(entry.refresher_months)).unwrap();
        assert_eq!(c.expires_on(), Some(want), "{:?} L{}", entry.subject, entry.level);
    }
    let fire = done(CompetenceRef::cstf(CstfSubject::FireSafety, 1), "2024-03-15");
    assert_eq!(fire.expires_on(), Some(d("2026-03-15")));
    let ig = done(CompetenceRef::cstf(CstfSubject::InformationGovernance, 1), "2024-02-29");
    assert_eq!(ig.expires_on(), Some(d("2025-02-28")), "leap day clamps");
}

proptest::proptest! {
    #[test]
    fn add_months_agrees_with_chrono(days in -800_000i32..800_000, months in 0u32..1200) {
        let date = d("2000-01-01") + chrono::Duration::days(i64::from(days));
        proptest::prop_assert_eq!(add_months(date, months), date.checked_add_months(Months::new(months)));
    }
}

#[test]
fn expiry_follows_the_organisation_catalogue() {
    let cat = Catalogue::with_overrides(&CatalogueOverrides {
        refreshers: vec![RefresherOverride { subject: CstfSubject::FireSafety, level: 1, refresher_months: 12 }],
        local: vec![LocalCompetence {
            code: "SHARPS-1".into(),
            name: "Sharps safety".into(),
            refresher_months: Some(6),
        }],
    })
    .unwrap();
    let fire = done(CompetenceRef::cstf(CstfSubject::FireSafety, 1), "2025-01-10");
    assert_eq!(fire.expires_on_in(&cat), Some(d("2026-01-10")));
    let sharps = done(
        CompetenceRef::Local { code: "SHARPS-1".into(), name: "Sharps".into(), refresher_months: Some(24) },
        "2025-01-10",
    );
    assert_eq!(sharps.expires_on_in(&cat), Some(d("2025-07-10")), "catalogue wins");
    assert_eq!(sharps.expires_on(), Some(d("2027-01-10")), "else the record's own");
    let once = done(
        CompetenceRef::Local { code: "INDUCT".into(), name: "Corporate induction".into(), refresher_months: None },
        "2025-01-10",
    );
    assert_eq!(once.expires_on(), None);
}

#[test]
fn competence_keys_are_stable() {
    assert_eq!(CompetenceRef::cstf(CstfSubject::FireSafety, 1).key(), "cstf:fire_safety:1");
    assert_eq!(CompetenceRef::cstf(CstfSubject::SafeguardingChildren, 3).key(), "cstf:safeguarding_children:3");
    let local = CompetenceRef::Local { code: "SHARPS-1".into(), name: "Sharps".into(), refresher_months: None };
    assert_eq!(local.key(), "local:SHARPS-1");
}

#[test]
fn competence_json_is_tagged_by_kind() {
    let c = done(CompetenceRef::cstf(CstfSubject::SafeguardingAdults, 2), "2025-01-10");
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["competence"]["kind"], "cstf");
    assert_eq!(json["competence"]["subject"], "safeguarding_adults");
    assert_eq!(json["competence"]["level"], 2);
    assert_eq!(json["source"], "e_learning");
    assert_eq!(serde_json::from_value::<Competence>(json).unwrap(), c);
}

#[test]
fn unknown_subject_is_refused_naming_the_field() {
    let json = r#"{"competence":{"kind":"cstf","subject":"fire_safty","level":1},
        "completed_on":"2025-01-10","source":"e_learning"}"#;
    let err = serde_json::from_str::<Competence>(json).unwrap_err().to_string();
    assert!(err.contains("subject") && err.contains("fire_safty"), "{err}");
    let err = CstfSubject::parse("Basket Weaving").unwrap_err();
    assert_eq!(err.field, "subject");
}

#[test]
fn unknown_fields_in_a_competence_ref_are_refused() {
    let json = r#"{"kind":"cstf","subject":"fire_safety","level":1,"colour":"red"}"#;
    assert!(serde_json::from_str::<CompetenceRef>(json).is_err());
}

#[test]
fn level_that_does_not_exist_is_refused_with_its_path() {
    let c = done(CompetenceRef::cstf(CstfSubject::FireSafety, 2), "2025-01-10");
    let errors = c.validate(d("2026-01-01")).unwrap_err();
    assert!(errors.has_field("competence.level"), "{errors}");
}

#[test]
fn future_completion_is_refused() {
    let c = done(CompetenceRef::cstf(CstfSubject::FireSafety, 1), "2026-01-02");
    let errors = c.validate(d("2026-01-01")).unwrap_err();
    assert!(errors.has_field("completed_on"));
}

#[test]
fn labels_mention_the_level_only_for_multi_level_subjects() {
    assert_eq!(CompetenceRef::cstf(CstfSubject::FireSafety, 1).label(), "Fire Safety");
    assert_eq!(CompetenceRef::cstf(CstfSubject::SafeguardingAdults, 2).label(), "Safeguarding Adults level 2");
}
