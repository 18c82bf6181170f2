//! A cohort transfer killed with SIGKILL part-way and run again transfers every person exactly
//! once and leaves none half-copied; a third run changes nothing. SQLite always; PostgreSQL when
//! `PASSPORT_TEST_DATABASE_URL` is set.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use domain::assignment::{Assignment, AssignmentStatus, Band, StaffGroup};
use domain::checks::{
    CheckDetails, CheckOutcome, DbsCertificateNumber, DbsCheck, DbsLevel, DbsWorkforce, EmploymentCheck,
};
use domain::cstf::{Competence, CompetenceRef, CompetenceSource, CstfSubject};
use domain::org::{NewOrganisation, OdsCode, OrgKind};
use domain::person::{NiNumber, Person};
use domain::transfer::{ConsentInput, ConsentMethod};
use store::{OrgScope, RegistryScope, Store};

const PEOPLE: u32 = 240;

fn d(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

fn ni(n: u32) -> NiNumber {
    NiNumber::parse(&format!("AB{:06}C", 200_000 + n)).unwrap()
}

fn someone(n: u32) -> Person {
    Person {
        given_name: "Sam".into(),
        family_name: format!("Rotation{n:04}"),
        date_of_birth: d("1995-06-01"),
        ni_number: Some(ni(n)),
        address: None,
        email: None,
        phone: None,
        registrations: vec![],
        smartcard_uuid: None,
    }
}

async fn org(store: &Store, code: &str) -> OrgScope {
    let new = NewOrganisation { ods_code: OdsCode::parse(code).unwrap(), name: code.into(), kind: OrgKind::AcuteTrust };
    let org = store.registry().create_organisation(&RegistryScope::system("test"), &new).await.unwrap();
    OrgScope::system(org.id, "test")
}

/// RRK holds every person with a DBS check, a competence and an ended post; RJ1 holds them as
/// applicants. Every 10th has not consented; every 15th has no earlier record at all.
async fn world(url: &str, csv: &std::path::Path) -> (u32, u32, u32) {
    let store = Store::connect(url).await.unwrap();
    let old = org(&store, "RRK").await;
    let new = org(&store, "RJ1").await;
    let mut file = std::fs::File::create(csv).unwrap();
    writeln!(file, "ni_number,date_of_birth,surname,role,start_date").unwrap();
    let (mut transferred, mut no_consent, mut no_match) = (0, 0, 0);
    for n in 0..PEOPLE {
        let p = someone(n);
        if n % 15 != 0 {
            let ds = store.dataset(&old);
            let id = ds.create_person(&p).await.unwrap().id;
            let check = EmploymentCheck {
                details: CheckDetails::CriminalRecord(DbsCheck {
                    level: DbsLevel::EnhancedAdults,
                    certificate_number: DbsCertificateNumber::parse("001234567890").unwrap(),
                    issued_on: d("2024-08-01"),
                    workforce: DbsWorkforce::AdultAndChild,
                    update_service: None,
                }),
                outcome: CheckOutcome::Clear,
                completed_on: Some(d("2024-08-01")),
                checked_by: "hr".into(),
                evidence_ref: Some(format!("EV-{n}")),
                expires_on: None,
                notes: None,
            };
            ds.add_check(&id, &check).await.unwrap();
            let training = Competence {
                competence: CompetenceRef::cstf(CstfSubject::FireSafety, 1),
                completed_on: d("2025-08-01"),
                source: CompetenceSource::ELearning,
                provider: None,
            };
            ds.add_competence(&id, &training).await.unwrap();
            let post = Assignment {
                role: "FY1".into(),
                staff_group: StaffGroup::MedicalAndDental,
                band: Band::parse("FY1").unwrap(),
                start_date: d("2025-08-06"),
                end_date: Some(d("2026-08-04")),
                status: AssignmentStatus::Left,
            };
            ds.add_assignment(&id, &post).await.unwrap();
        }
        let ds = store.dataset(&new);
        let id = ds.create_person(&p).await.unwrap().id;
        if n % 10 != 0 {
            let consent = ConsentInput { given: true, method: ConsentMethod::Paper, evidence_ref: Some("FORM".into()) };
            ds.record_transfer_consent(&id, &consent).await.unwrap();
        }
        match (n % 15 == 0, n % 10 == 0) {
            (_, true) => no_consent += 1,
            (true, false) => no_match += 1,
            (false, false) => transferred += 1,
        }
        writeln!(file, "{},1995-06-01,{},FY2,2026-08-05", ni(n), p.family_name.to_uppercase()).unwrap();
    }
    store.close().await;
    (transferred, no_consent, no_match)
}

fn count(url: &str, sql: &str) -> i64 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::connect(url).await.unwrap();
        let n: i64 = sqlx::query_scalar(sql).fetch_one(store.raw_pool()).await.unwrap_or(0);
        store.close().await;
        n
    })
}

/// Rows per person in `table` of RJ1: (people with exactly one, people with more than one).
fn per_person(url: &str, table: &str) -> (i64, i64) {
    let once = count(
        url,
        &format!(
            "SELECT COUNT(*) FROM (SELECT person_id FROM {table} x JOIN organisations o ON o.id = x.org_id \
             WHERE o.ods_code = 'RJ1' AND x.source = 'iat' GROUP BY person_id HAVING COUNT(*) = 1) t"
        ),
    );
    let more = count(
        url,
        &format!(
            "SELECT COUNT(*) FROM (SELECT person_id FROM {table} x JOIN organisations o ON o.id = x.org_id \
             WHERE o.ods_code = 'RJ1' AND x.source = 'iat' GROUP BY person_id HAVING COUNT(*) > 1) t"
        ),
    );
    (once, more)
}

fn killed_cohort_reruns_exact(url: &str) {
    let dir = std::env::temp_dir().join(format!("passport-cohort-{}-{}", std::process::id(), uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("cohort.csv");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (transferred, no_consent, no_match) = rt.block_on(world(url, &csv));
    let exe = env!("CARGO_BIN_EXE_passport");
    let report = dir.join("report.json");
    let cohort = |stdout: Stdio| {
        Command::new(exe)
            .args(["transfer", "cohort", "--ods", "RJ1", "--database-url", url, "--csv"])
            .arg(&csv)
            .arg("--report")
            .arg(&report)
            .stdout(stdout)
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let done_lines = || count(url, "SELECT COUNT(*) FROM transfer_cohort_rows");

    let mut child = cohort(Stdio::null());
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        std::thread::sleep(Duration::from_millis(50));
        if done_lines() >= 30 {
            child.kill().unwrap(); // SIGKILL on Unix
            child.wait().unwrap();
            break;
        }
        assert!(Instant::now() < deadline, "cohort never got part-way");
        assert!(child.try_wait().unwrap().is_none(), "cohort finished before it could be killed");
    }
    let at_kill = done_lines();
    assert!(at_kill < i64::from(PEOPLE), "killed part-way: {at_kill} of {PEOPLE}");
    // Whatever was killed mid-line is either fully copied or not at all.
    let stage1 = count(url, "SELECT COUNT(*) FROM transfers WHERE status = 'stage1_done'");
    assert_eq!(per_person(url, "employment_checks"), (stage1, 0), "one check per finished transfer at the kill");
    assert_eq!(per_person(url, "competences"), (stage1, 0));

    let out = cohort(Stdio::piped()).wait_with_output().unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["by_outcome"]["transferred"], transferred, "{}", json["by_outcome"]);
    assert_eq!(json["by_outcome"]["no_consent"], no_consent);
    assert_eq!(json["by_outcome"]["no_match"], no_match);
    let earlier = json["results"].as_array().unwrap().iter().filter(|r| r["earlier"] == true).count();
    assert!(earlier > 0, "the rerun skipped what the first run settled");

    let expected = i64::from(transferred);
    assert_eq!(count(url, "SELECT COUNT(*) FROM transfers WHERE status = 'stage1_done'"), expected);
    assert_eq!(per_person(url, "employment_checks"), (expected, 0), "every person's check copied exactly once");
    assert_eq!(per_person(url, "competences"), (expected, 0), "every person's competence copied exactly once");
    assert_eq!(count(url, "SELECT COUNT(*) FROM transfer_copies"), 2 * expected);
    assert_eq!(
        count(
            url,
            "SELECT COUNT(*) FROM assignments a JOIN organisations o ON o.id = a.org_id \
        WHERE o.ods_code = 'RJ1'"
        ),
        i64::from(PEOPLE),
        "one applicant assignment per person, none twice"
    );

    // A third run changes nothing.
    let checks = count(url, "SELECT COUNT(*) FROM employment_checks");
    let out = cohort(Stdio::piped()).wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(count(url, "SELECT COUNT(*) FROM employment_checks"), checks);
    assert_eq!(count(url, "SELECT COUNT(*) FROM transfers WHERE status = 'stage1_done'"), expected);
    std::fs::remove_dir_all(dir).ok();
}

fn uuid_like() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

#[test]
fn cohort_killed_part_way_and_rerun_transfers_everyone_once_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("passport-cohort-db-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    killed_cohort_reruns_exact(&format!("sqlite://{}", dir.join("t.db").display()));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn cohort_killed_part_way_and_rerun_transfers_everyone_once_on_postgres() {
    let Some(admin) = std::env::var("PASSPORT_TEST_DATABASE_URL").ok().filter(|u| !u.trim().is_empty()) else {
        eprintln!("skipped: PASSPORT_TEST_DATABASE_URL not set");
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(store::testing::TestDb::postgres(admin.trim()));
    let url = db.url().to_owned();
    killed_cohort_reruns_exact(&url);
    rt.block_on(db.cleanup());
}
