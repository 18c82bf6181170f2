//! Issue 15 item 5: errors a person at a terminal can act on. A malformed database URL is called
//! that; `passport import` documents its exit statuses, exits non-zero (naming the file) when a
//! file cannot be read at all, and reports an unclosed quote at the line where it starts.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output};

const EXE: &str = env!("CARGO_BIN_EXE_passport");

fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("passport-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_malformed_database_url_is_described_as_such() {
    for url in ["foo://", "passport.db", "postgres://user:secret@host:notaport/db"] {
        let out = Command::new(EXE).args(["audit", "verify", "--database-url", url]).output().unwrap();
        let err = stderr(&out);
        assert!(!out.status.success(), "{url}: {err}");
        assert!(err.contains("malformed database URL"), "{url}: {err}");
        assert!(!err.contains("secret"), "the password is not echoed: {err}");
    }
}

#[test]
fn import_help_documents_the_exit_statuses() {
    let out = Command::new(EXE).args(["import", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for status in ["Exit status: 0", "3 some rows were rejected", "4 a file could not be read", "1 the import"] {
        assert!(help.contains(status), "{status:?} in\n{help}");
    }
}

#[test]
fn unreadable_files_fail_the_import_and_an_open_quote_is_named_at_its_line() {
    let root = temp_dir("import-errors");
    let csv = root.join("csv");
    let ok = Command::new(EXE)
        .args(["generate", "--people", "20", "--organisations", "1", "--seed", "7", "--as-of", "2026-11-25", "--csv"])
        .arg(&csv)
        .status()
        .unwrap();
    assert!(ok.success());
    let ods = std::fs::read_dir(&csv).unwrap().map(|e| e.unwrap().path()).find(|p| p.is_dir()).unwrap();
    let import = |db: &str| {
        Command::new(EXE)
            .args(["import", "--register", "--as-of", "2026-11-25", "--database-url", db, "--org"])
            .arg(ods.file_name().unwrap())
            .arg("--dir")
            .arg(&ods)
            .output()
            .unwrap()
    };

    // A quote opened on line L and never closed: named at L, not as odd values further down.
    let people = ods.join("people.csv");
    let line = std::fs::read_to_string(&people).unwrap().lines().count() + 1;
    let mut f = std::fs::OpenOptions::new().append(true).open(&people).unwrap();
    writeln!(f, "AB999997A,1980-01-01,\"Good,Person,1 Road,,Leeds,LS9 7TF,,,,,,,").unwrap();
    writeln!(f, "AB999996A,1980-01-01,Next,Person,1 Road,,Leeds,LS9 7TF,,,,,,,").unwrap();
    drop(f);
    let out = import(&format!("sqlite://{}", root.join("a.db").display()));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains(&format!("people.csv:{line}: (row): a quoted value is not closed")), "{err}");

    // A file with no usable header row cannot be read at all: exit 4, the file named.
    std::fs::write(ods.join("checks.csv"), "\"unclosed header\n").unwrap();
    let out = import(&format!("sqlite://{}", root.join("b.db").display()));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("checks.csv:1: (header)"), "{err}");
    std::fs::remove_dir_all(root).ok();
}
