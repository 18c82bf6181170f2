//! An import killed with SIGKILL part-way and run again ends with exactly the rows of the
//! extract: nothing duplicated, nothing lost. A third run loads nothing. SQLite always; PostgreSQL
//! when `PASSPORT_TEST_DATABASE_URL` is set.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("passport-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rows(path: &Path) -> u64 {
    std::fs::read_to_string(path).map_or(0, |s| s.lines().count() as u64 - 1)
}

/// How the test sees that the first import is part-way.
enum Watch {
    /// Count rows through the store while the import runs.
    Counts,
    /// Watch the size of the SQLite file and its WAL, without opening the database.
    FileSize(PathBuf),
}

fn file_size(db: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", db.display())).ok())
        .map(|m| m.len())
        .sum()
}

const TABLES: [(&str, &str); 6] = [
    ("people", "people.csv"),
    ("assignments", "assignments.csv"),
    ("employment_checks", "checks.csv"),
    ("competences", "competences.csv"),
    ("immunisations", "immunisations.csv"),
    ("oh_clearances", "clearances.csv"),
];

/// Generates a one-organisation extract, imports it, kills the import with SIGKILL once part of
/// `competences.csv` is in, reruns it, and checks the counts; then a third run.
fn killed_import_reruns_exact(url: &str, watch: Watch) {
    let root = temp_dir("import-kill");
    let exe = env!("CARGO_BIN_EXE_passport");
    let csv = root.join("csv");
    let ok = Command::new(exe)
        .args(["generate", "--people", "4000", "--organisations", "1", "--seed", "6", "--as-of", "2026-11-25", "--csv"])
        .arg(&csv)
        .status()
        .unwrap();
    assert!(ok.success());
    let ods = std::fs::read_dir(&csv).unwrap().map(|e| e.unwrap().path()).find(|p| p.is_dir()).unwrap();
    let import = |stdout: Stdio| {
        Command::new(exe)
            .args(["import", "--register", "--as-of", "2026-11-25", "--batch", "300", "--database-url", url, "--org"])
            .arg(ods.file_name().unwrap())
            .arg("--dir")
            .arg(&ods)
            .stdout(stdout)
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let counts = || -> Vec<u64> {
        rt.block_on(async {
            let store = store::Store::connect(url).await.unwrap();
            let mut out = vec![];
            for (table, _) in TABLES {
                let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                    .fetch_one(store.raw_pool())
                    .await
                    .unwrap_or(0);
                out.push(n as u64);
            }
            store.close().await;
            out
        })
    };
    let expected: Vec<u64> = TABLES.iter().map(|(_, f)| rows(&ods.join(f))).collect();

    // Kill the first run part-way: once some competences are in (watching the database), or once
    // the SQLite file has grown past a few megabytes (watching only the file system).
    let mut child = import(Stdio::null());
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        std::thread::sleep(Duration::from_millis(20));
        let part_way = match &watch {
            Watch::Counts => counts()[3] > 0,
            Watch::FileSize(path) => file_size(path) > 8 << 20,
        };
        if part_way {
            child.kill().unwrap(); // SIGKILL on Unix
            child.wait().unwrap();
            break;
        }
        assert!(Instant::now() < deadline, "import never got part-way");
        assert!(child.try_wait().unwrap().is_none(), "import finished before it could be killed");
    }
    let at_kill = counts();
    assert!(at_kill.iter().sum::<u64>() < expected.iter().sum::<u64>(), "killed part-way: {at_kill:?} of {expected:?}");

    let out = import(Stdio::piped()).wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(counts(), expected, "after the rerun every table holds exactly the extract's rows");

    let out = import(Stdio::piped()).wait_with_output().unwrap();
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.lines().any(|l| l.starts_with("people.csv") && l.split_whitespace().nth(2) == Some("0")), "{table}");
    assert_eq!(counts(), expected, "a third run changes nothing");
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn import_killed_part_way_and_rerun_ends_exact_on_sqlite() {
    let dir = temp_dir("sqlite");
    let db = dir.join("t.db");
    killed_import_reruns_exact(&format!("sqlite://{}", db.display()), Watch::FileSize(db));
    std::fs::remove_dir_all(dir).unwrap();
}

/// Regression test for the store: opening a `Store` on a SQLite file while another process imports
/// into it must not corrupt the file. It failed with "database disk image is malformed" while the
/// migration lock opened and closed a descriptor of the database file itself (POSIX locks being per
/// process, that dropped every SQLite lock the process held on the file); the lock now lives on a
/// sidecar `<db>-lock` file.
#[test]
fn import_survives_another_process_opening_the_same_sqlite_database() {
    let dir = temp_dir("sqlite-shared");
    let db = dir.join("t.db");
    killed_import_reruns_exact(&format!("sqlite://{}", db.display()), Watch::Counts);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn import_killed_part_way_and_rerun_ends_exact_on_postgres() {
    let Some(admin) = std::env::var(store::testing::POSTGRES_ENV).ok().filter(|u| !u.trim().is_empty()) else {
        eprintln!("skipped: {} not set", store::testing::POSTGRES_ENV);
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(store::testing::TestDb::postgres(admin.trim()));
    killed_import_reruns_exact(db.url(), Watch::Counts);
    rt.block_on(db.cleanup());
}
