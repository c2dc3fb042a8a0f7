//! The tree commands of the real binary on a data folder: `strata import`
//! (a folder tree; unchanged files make no version), `ls`, `cat`, `log`
//! (now and `--at` a past time), `reindex` (same answers after), and a
//! clear message when a running server holds the folder.

mod common;

use common::stdout_of_success;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh temporary folder named after `name`.
fn scratch(name: &str) -> PathBuf {
    let folder =
        std::env::temp_dir().join(format!("strata-cli-tree-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

fn strata(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap()
}

/// Runs a command that must succeed; its standard output.
fn ok(data: &Path, args: &[&str]) -> String {
    stdout_of_success(args, strata(data, args))
}

/// The names `ls` prints (last column).
fn listed(data: &Path, args: &[&str]) -> Vec<String> {
    let text = ok(data, args);
    let names = text.lines().map(|line| line.rsplit("  ").next().unwrap());
    names.map(str::to_owned).collect()
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn import_of_a_folder_tree_reads_back_and_a_second_import_makes_no_version() {
    let root = scratch("import");
    let (source, data) = (root.join("source"), root.join("data"));
    write(&source.join("a.txt"), b"alpha");
    write(&source.join("sub/deeper/b.bin"), &[7u8; 300_000]);
    std::fs::create_dir_all(source.join("empty")).unwrap();
    let first = ok(&data, &["import", source.to_str().unwrap(), "/backup"]);
    assert!(
        first.contains("2 files (2 new, 0 changed, 0 unchanged), 4 folders"),
        "{first}"
    );
    assert_eq!(
        listed(&data, &["ls", "/backup"]),
        ["a.txt", "empty/", "sub/"]
    );
    assert_eq!(ok(&data, &["cat", "/backup/a.txt"]).as_bytes(), b"alpha");
    let big = strata(&data, &["cat", "/backup/sub/deeper/b.bin"]);
    assert_eq!(big.stdout, vec![7u8; 300_000]);
    let second = ok(&data, &["import", source.to_str().unwrap(), "/backup"]);
    assert!(
        second.contains("(0 new, 0 changed, 2 unchanged)"),
        "{second}"
    );
    let log = ok(&data, &["log", "/backup/a.txt"]);
    assert_eq!(log.lines().count(), 1, "{log}");
    write(&source.join("a.txt"), b"beta");
    let third = ok(&data, &["import", source.to_str().unwrap(), "/backup"]);
    assert!(third.contains("(0 new, 1 changed, 1 unchanged)"), "{third}");
    assert_eq!(ok(&data, &["cat", "/backup/a.txt"]), "beta");
    let log = ok(&data, &["log", "/backup/a.txt"]);
    let types: Vec<&str> = log
        .lines()
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(types, ["edited", "created"]);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn ls_and_cat_at_a_past_time_and_the_same_answers_after_reindex() {
    let root = scratch("at");
    let (source, data) = (root.join("source"), root.join("data"));
    write(&source.join("f.txt"), b"one");
    ok(&data, &["import", source.to_str().unwrap()]);
    let log = ok(&data, &["log", "/f.txt"]);
    let created = log.split_whitespace().next().unwrap().to_owned();
    write(&source.join("f.txt"), b"two");
    write(&source.join("g.txt"), b"new");
    ok(&data, &["import", source.to_str().unwrap()]);
    let before = |args: &[&str]| ok(&data, args);
    let then_ls = before(&["ls", "/", "--at", &created]);
    let then_cat = before(&["cat", "/f.txt", "--at", &created]);
    assert_eq!(then_cat, "one");
    assert_eq!(listed(&data, &["ls", "/", "--at", &created]), ["f.txt"]);
    assert_eq!(listed(&data, &["ls", "/"]), ["f.txt", "g.txt"]);
    let now_log = before(&["log", "/f.txt"]);
    let report = ok(&data, &["reindex"]);
    assert!(report.starts_with("reindex: "), "{report}");
    assert_eq!(before(&["ls", "/", "--at", &created]), then_ls);
    assert_eq!(before(&["cat", "/f.txt", "--at", &created]), "one");
    assert_eq!(before(&["cat", "/f.txt"]), "two");
    assert_eq!(before(&["log", "/f.txt"]), now_log);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn errors_are_named_with_exit_codes() {
    let root = scratch("errors");
    let data = root.join("data");
    let missing = strata(&data, &["ls", "/"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no strata data folder"));
    write(&root.join("source/x.txt"), b"x");
    ok(&data, &["import", root.join("source").to_str().unwrap()]);
    for (args, code, says) in [
        (vec!["ls", "/nothing"], 1, "not found"),
        (vec!["cat", "/"], 1, "is a folder"),
        (vec!["ls", "/", "--at", "noon"], 2, "time"),
        (vec!["ls", "/a//b"], 2, "bad path"),
        (vec!["ls"], 2, "PATH"),
        (vec!["import"], 2, "DIR"),
    ] {
        let output = strata(&data, &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    for command in ["import", "ls", "cat", "log", "reindex"] {
        let help = ok(&data, &[command, "--help"]);
        assert!(help.contains(&format!("strata {command}")), "{help}");
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_folder_held_by_a_running_server_is_named_as_such() {
    let served = common::ServedBinary::start("cli-tree-held");
    let output = strata(&served.data, &["ls", "/"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("held by another process"), "{stderr}");
    let url = format!("--server http://{}/", served.address);
    assert!(stderr.contains(&url), "{stderr}");
}

#[test]
fn fsck_checks_the_index_against_the_claims_after_an_import() {
    let root = scratch("fsck");
    let (source, data) = (root.join("source"), root.join("data"));
    write(&source.join("a.txt"), b"a");
    write(&source.join("b/c.txt"), b"c");
    ok(&data, &["import", source.to_str().unwrap()]);
    let report = ok(&data, &["fsck"]);
    assert!(report.contains("no damage"), "{report}");
    let checked: u64 = report
        .split(", ")
        .find_map(|part| part.split_once(" index rows").map(|(count, _)| count))
        .and_then(|count| count.rsplit(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("{report}"));
    // The root, folder b and two files: one claim each at least.
    assert!(checked >= 4, "{report}");
    let _ = std::fs::remove_dir_all(&root);
}
