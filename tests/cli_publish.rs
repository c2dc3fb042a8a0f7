//! `strata publish` as a user runs it: `/site` made to mirror a folder
//! (what the folder lacks is deleted), published, listed and rolled back,
//! through a real `strata serve` and on a data folder directly.

mod common;

use common::{
    ServedBinary, TOKEN, scratch_folder, stdout_of_success, strata_with_token, write_file,
};
use std::path::{Path, PathBuf};
use std::process::Output;

fn scratch(name: &str) -> PathBuf {
    scratch_folder("cli-publish", name)
}

fn write(path: &Path, bytes: &[u8]) {
    write_file(path, bytes);
}

fn strata(args: &[&str]) -> Output {
    strata_with_token(TOKEN, args)
}

fn ok(args: &[&str]) -> String {
    stdout_of_success(args, strata(args))
}

/// The number after "#" in a "published #N" or "publish #N" line.
fn publish_number(text: &str) -> u64 {
    let at = text
        .find('#')
        .unwrap_or_else(|| panic!("a number in {text}"));
    let digits: String = text[at + 1..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

/// The names `ls` prints (last column).
fn names(listing: &str) -> Vec<String> {
    let names = listing
        .lines()
        .map(|line| line.rsplit("  ").next().unwrap());
    names.map(str::to_owned).collect()
}

/// The body `/` serves.
fn home(served: &ServedBinary) -> String {
    let response = common::get(served.address, "/");
    assert_eq!(response.status, 200, "{}", response.text());
    response.text()
}

#[test]
fn publish_mirrors_the_folder_then_lists_and_rolls_back_through_the_server() {
    let served = ServedBinary::start("cli-publish");
    let server = format!("http://{}/", served.address);
    let root = scratch("server");
    let site = root.join("site");
    write(&site.join("index.html"), b"<h1>one</h1>");
    write(&site.join("style.css"), b"h1 { color: red }");
    let site_text = site.to_str().unwrap();

    let first = ok(&["publish", site_text, "--server", &server]);
    assert!(first.contains("sent "), "{first}");
    assert!(first.contains("/site now mirrors the folder"), "{first}");
    assert!(first.contains(&server), "{first}");
    let first_number = publish_number(&first[first.find("published #").unwrap()..]);
    assert_eq!(home(&served), "<h1>one</h1>");
    let listed = ok(&["ls", "/site", "--server", &server]);
    assert_eq!(
        names(&listed),
        ["index.html", "style.css"],
        "the starter site is gone"
    );

    write(&site.join("index.html"), b"<h1>two</h1>");
    std::fs::remove_file(site.join("style.css")).unwrap();
    write(&site.join("notes/a.html"), b"a");
    let second = ok(&["publish", site_text, "--server", &server]);
    assert!(second.contains("1 deleted"), "{second}");
    assert!(
        second.contains("(1 new, 1 changed, 0 unchanged)"),
        "{second}"
    );
    let second_number = publish_number(&second[second.find("published #").unwrap()..]);
    assert_eq!(second_number, first_number + 1);
    assert_eq!(home(&served), "<h1>two</h1>");
    let listed = ok(&["ls", "/site", "--server", &server]);
    assert_eq!(names(&listed), ["index.html", "notes/"]);
    let history = ok(&["log", "/site/index.html", "--server", &server]);
    // Each publish's version stays (the starter site's index.html too).
    assert!(history.lines().count() >= 2, "{history}");
    assert!(
        history.lines().next().unwrap().contains("edited"),
        "{history}"
    );

    let list = ok(&["publish", "--list", "--server", &server]);
    let first_line = list.lines().next().unwrap();
    assert!(first_line.starts_with('*'), "{list}");
    assert_eq!(publish_number(first_line), second_number, "{list}");

    let rolled = ok(&["publish", "--rollback", "--server", &server]);
    assert!(rolled.contains("rolled back"), "{rolled}");
    assert_eq!(home(&served), "<h1>one</h1>");
    let again = ok(&[
        "publish",
        "--rollback",
        &second_number.to_string(),
        "--server",
        &server,
    ]);
    assert!(again.contains("rolled back"), "{again}");
    assert_eq!(home(&served), "<h1>two</h1>");

    let unknown = strata(&["publish", "--rollback", "999", "--server", &server]);
    assert_eq!(unknown.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("404"), "{stderr}");
    let mixed = strata(&["publish", "--rollback", "--list", "--server", &server]);
    assert_eq!(mixed.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn publish_on_a_data_folder_directly_mirrors_and_lists() {
    let mut served = ServedBinary::start("cli-publish-direct");
    served.kill();
    let data = served.data.to_str().unwrap().to_owned();
    let root = scratch("direct");
    let site = root.join("site");
    write(&site.join("index.html"), b"direct");
    let published = ok(&["publish", site.to_str().unwrap(), "--data", &data]);
    assert!(published.contains("published #"), "{published}");
    let number = publish_number(&published[published.find("published #").unwrap()..]);
    assert_eq!(
        names(&ok(&["ls", "/site", "--data", &data])),
        ["index.html"]
    );
    let list = ok(&["publish", "--list", "--data", &data]);
    assert_eq!(
        publish_number(list.lines().next().unwrap()),
        number,
        "{list}"
    );
    let rolled = ok(&["publish", "--rollback", "--data", &data]);
    assert!(rolled.contains("rolled back"), "{rolled}");
    let _ = std::fs::remove_dir_all(&root);
}
