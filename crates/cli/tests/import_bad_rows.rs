//! An extract with planted bad rows: each is named by file, line, column and reason, and every
//! other row loads.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("passport-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn append(path: &Path, lines: &[&str]) -> u64 {
    let before = std::fs::read_to_string(path).unwrap().lines().count() as u64;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    for line in lines {
        writeln!(f, "{line}").unwrap();
    }
    before + 1 // line number of the first appended row
}

fn rows(path: &Path) -> u64 {
    std::fs::read_to_string(path).unwrap().lines().count() as u64 - 1
}

#[test]
fn planted_bad_rows_are_named_and_the_rest_load() {
    let root = temp_dir("import-bad");
    let exe = env!("CARGO_BIN_EXE_passport");
    let csv = root.join("csv");
    let ok = Command::new(exe)
        .args(["generate", "--people", "300", "--organisations", "1", "--seed", "4", "--as-of", "2026-11-25", "--csv"])
        .arg(&csv)
        .status()
        .unwrap();
    assert!(ok.success());
    let ods = std::fs::read_dir(&csv).unwrap().map(|e| e.unwrap().path()).find(|p| p.is_dir()).unwrap();
    let people = ods.join("people.csv");
    let good_people = rows(&people);
    let p = append(
        &people,
        &[
            "QQ123456C,1980-01-01,Bad,Prefix,,,,,,,,,,,",
            "AB999999A,1980-02-30,Bad,Date,,,,,,,,,,,",
            "AB999998A,1980-01-01,,Nameless,,,,,,,,,,,",
            "AB999997A,1980-01-01,Good,Person,1 Road,,Leeds,LS9 7TF,,,,,,,",
            "AB999996A,1980-01-01,Bad,Register,,,,,,,,GMC,12A3456E,registered,",
        ],
    );
    let competences = ods.join("competences.csv");
    let good_competences = rows(&competences);
    let c = append(
        &competences,
        &[
            "AB999997A,NHS|CSTF|Fire Safety - 2 Years|,2026-01-10,,e_learning,",
            "AB999997A,NHS|CSTF|Basket Weaving - 1 Year|,2026-01-10,,e_learning,",
            "AB999997A,NHS|CSTF|Fire Safety - 2 Years|,2027-01-10,,e_learning,",
            "AB999995A,NHS|CSTF|Fire Safety - 2 Years|,2026-01-10,,e_learning,",
        ],
    );
    let checks = ods.join("checks.csv");
    let good_checks = rows(&checks);
    let k = append(&checks, &["AB999997A,criminal_record,clear,2026-01-14,HR,,,,\"{\"\"level\"\":\"\"enhanced\"\"}\""]);

    let url = format!("sqlite://{}", root.join("i.db").display());
    let report = root.join("report.json");
    let out = Command::new(exe)
        .args(["import", "--register", "--as-of", "2026-11-25", "--database-url", &url, "--org"])
        .arg(ods.file_name().unwrap())
        .arg("--dir")
        .arg(&ods)
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "exit 3 when rows were rejected\n{stderr}");
    let expected = [
        format!("people.csv:{}: National Insurance Number: ", p),
        format!("people.csv:{}: Date of Birth: ", p + 1),
        format!("people.csv:{}: First Name: is required", p + 2),
        format!("people.csv:{}: Registration Number: ", p + 4),
        format!("competences.csv:{}: Competence Name: ", c + 1),
        format!("competences.csv:{}: Achievement Date: ", c + 2),
        format!("competences.csv:{}: National Insurance Number: no person", c + 3),
        format!("checks.csv:{}: Details: ", k),
    ];
    for e in &expected {
        assert!(stderr.contains(e.as_str()), "missing {e:?} in\n{stderr}");
    }
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(json["errors"].as_array().unwrap().len(), expected.len(), "{json:#}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let count = |table: &'static str| {
        rt.block_on(async {
            let store = store::Store::connect(&url).await.unwrap();
            let n: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(store.raw_pool()).await.unwrap();
            store.close().await;
            n as u64
        })
    };
    assert_eq!(count("people"), good_people + 1);
    assert_eq!(count("competences"), good_competences + 1);
    assert_eq!(count("employment_checks"), good_checks);
    std::fs::remove_dir_all(root).unwrap();
}
