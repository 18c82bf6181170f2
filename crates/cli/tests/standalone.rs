//! The repository stands alone: nothing in it points outside the clone (a sibling `shared` directory that
//! only the original authors had). Walks every tracked-looking file but build output and `.git`.

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if matches!(name.to_str(), Some("target" | ".git" | "node_modules" | "corpus" | "artifacts")) {
            continue;
        }
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn nothing_in_the_repository_points_outside_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // Spelt in two pieces so that this file does not match itself.
    let needle = format!("..{}shared", '/');
    let mut all = Vec::new();
    files(&root, &mut all);
    let offenders: Vec<String> = all
        .iter()
        .filter(|p| std::fs::read(p).is_ok_and(|bytes| String::from_utf8_lossy(&bytes).contains(&needle)))
        .map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string())
        .collect();
    assert!(offenders.is_empty(), "files pointing at {needle}, which a clone does not have: {offenders:?}");
}
