//! The tree commands of the real binary through a real `strata serve`:
//! `import --server` sends only what the server lacks and names each file
//! with one request; `ls`, `cat`, `log` (`--at` too) answer exactly as on
//! the data folder directly; `POST /api/fs/<path>?op=put` checks the
//! content it is given; and every way of failing says what to do.

mod common;

use common::{
    ServedBinary, TOKEN, call, json_of, scratch_folder, stdout_of_success, strata_with_token,
    write_file,
};
use std::path::{Path, PathBuf};
use strata::util::splitmix::pseudo_random_bytes;

/// A fresh temporary folder named after `name`.
fn scratch(name: &str) -> PathBuf {
    scratch_folder("cli-server", name)
}

fn write(path: &Path, bytes: &[u8]) {
    write_file(path, bytes);
}

fn url(served: &ServedBinary) -> String {
    format!("http://{}/", served.address)
}

/// Runs a command that must succeed; its standard output.
fn ok(args: &[&str]) -> String {
    stdout_of_success(args, strata_with_token(TOKEN, args))
}

/// The number before `word` in `text` ("sent 3 chunks" → 3 for "chunks").
fn number_before(text: &str, word: &str) -> u64 {
    let at = text
        .find(word)
        .unwrap_or_else(|| panic!("{word:?} in {text}"));
    let digits = text[..at].trim_end().rsplit(' ').next().unwrap();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("{word:?} in {text}"))
}

#[test]
fn import_sends_only_what_the_server_lacks_and_unchanged_files_make_no_version() {
    let served = ServedBinary::start("cli-import");
    let root = scratch("import");
    let source = root.join("source");
    let big = pseudo_random_bytes(7, 3 << 20);
    write(&source.join("a.txt"), b"alpha");
    write(&source.join("sub/deeper/big.bin"), &big);
    std::fs::create_dir_all(source.join("empty")).unwrap();
    let source_text = source.to_str().unwrap();
    let first = ok(&["import", source_text, "/backup", "--server", &url(&served)]);
    assert!(
        first.contains("2 files (2 new, 0 changed, 0 unchanged), 4 folders"),
        "{first}"
    );
    let stored = served.len();
    assert!(number_before(&first, "chunks (") > 10, "{first}");

    let again = ok(&["import", source_text, "/backup", "--server", &url(&served)]);
    assert!(again.contains("sent 0 chunks (0 bytes)"), "{again}");
    assert!(again.contains("schema blobs sent 0"), "{again}");
    assert!(again.contains("(0 new, 0 changed, 2 unchanged)"), "{again}");
    assert_eq!(served.len(), stored, "nothing new stored");
    let log = ok(&["log", "/backup/a.txt", "--server", &url(&served)]);
    assert_eq!(log.lines().count(), 1, "{log}");

    // Bytes inserted near the start: only the chunks around them go.
    let mut changed = big.clone();
    changed.splice(1000..1000, *b"inserted");
    write(&source.join("sub/deeper/big.bin"), &changed);
    let third = ok(&["import", source_text, "/backup", "--server", &url(&served)]);
    assert!(third.contains("(0 new, 1 changed, 1 unchanged)"), "{third}");
    let sent = number_before(&third, "chunks (");
    assert!((1..=3).contains(&sent), "{third}");
    let skipped_at = third.find("skipped").unwrap();
    assert!(
        number_before(&third[skipped_at..], "chunks (") > 10,
        "{third}"
    );
    let cat = strata_with_token(
        TOKEN,
        &[
            "cat",
            "/backup/sub/deeper/big.bin",
            "--server",
            &url(&served),
        ],
    );
    assert_eq!(cat.stdout, changed);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn ls_cat_and_log_through_the_server_answer_as_the_data_folder_does() {
    let mut served = ServedBinary::start("cli-same");
    let root = scratch("same");
    let source = root.join("source");
    write(&source.join("f.txt"), b"one");
    write(&source.join("docs/g.txt"), b"gee");
    let source_text = source.to_str().unwrap();
    let server = url(&served);
    ok(&["import", source_text, "--server", &server]);
    let log = ok(&["log", "/f.txt", "--server", &server]);
    let created = log.split_whitespace().next().unwrap().to_owned();
    write(&source.join("f.txt"), b"two");
    write(&source.join("h.txt"), b"new");
    ok(&["import", source_text, "--server", &server]);
    let moved = call(
        served.address,
        "POST",
        "/api/fs/h.txt?op=move&to=/docs/h.txt",
        "",
        b"",
    );
    assert_eq!(moved.status, 200, "{}", moved.text());
    let questions: Vec<Vec<&str>> = vec![
        vec!["ls", "/"],
        vec!["ls", "/", "--at", &created],
        vec!["ls", "/docs"],
        vec!["ls", "/f.txt"],
        vec!["cat", "/f.txt"],
        vec!["cat", "/f.txt", "--at", &created],
        vec!["log", "/f.txt"],
        vec!["log", "/docs/h.txt"],
        vec!["log", "/f.txt", "--at", &created],
    ];
    let through_server: Vec<String> = questions
        .iter()
        .map(|question| {
            let mut args = question.clone();
            args.extend(["--server", &server]);
            ok(&args)
        })
        .collect();
    assert_eq!(through_server[4], "two");
    assert_eq!(through_server[5], "one");
    assert!(through_server[7].contains("moved"), "{}", through_server[7]);
    served.kill();
    let data = served.data.to_str().unwrap().to_owned();
    for (question, answer) in questions.iter().zip(&through_server) {
        let mut args = question.clone();
        args.extend(["--data", &data]);
        assert_eq!(&ok(&args), answer, "{question:?}");
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn op_put_names_stored_content_and_refuses_what_is_not_a_stored_file() {
    let served = ServedBinary::start("cli-op-put");
    let root = scratch("op-put");
    let file = root.join("x.bin");
    write(&file, &pseudo_random_bytes(3, 100_000));
    let put = ok(&["put", file.to_str().unwrap(), "--server", &url(&served)]);
    let file_ref = put.split(' ').next().unwrap().to_owned();
    let first = call(
        served.address,
        "POST",
        &format!("/api/fs/a/b.bin?op=put&content={file_ref}&size=100000"),
        "",
        b"",
    );
    assert_eq!(first.status, 201, "{}", first.text());
    let answer = json_of(&first);
    assert_eq!(answer.get("changed").and_then(|v| v.as_bool()), Some(true));
    let again = call(
        served.address,
        "POST",
        &format!("/api/fs/a/b.bin?op=put&content={file_ref}"),
        "",
        b"",
    );
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(
        json_of(&again).get("changed").and_then(|v| v.as_bool()),
        Some(false)
    );
    let chunk = pseudo_random_bytes(3, 100_000);
    let mut chunker = strata::blob::chunker::Chunker::new(&chunk[..]);
    let first_chunk = chunker.next_chunk().unwrap().unwrap();
    let chunk_ref = strata::blob::BlobRef::of_bytes(first_chunk.bytes);
    let missing = strata::blob::BlobRef::of_bytes(b"never stored");
    for (query, status, says) in [
        (
            format!("content={file_ref}&size=5"),
            422,
            "holds 100000 bytes",
        ),
        (format!("content={missing}"), 422, "not stored"),
        (format!("content={chunk_ref}"), 422, "not a file schema"),
        ("content=sha224-nope".to_owned(), 400, "content="),
        ("size=3".to_owned(), 400, "needs &content"),
        (
            format!("content={file_ref}&size=x"),
            400,
            "not a byte count",
        ),
    ] {
        let target = format!("/api/fs/c.bin?op=put&{query}");
        let response = call(served.address, "POST", &target, "", b"");
        assert_eq!(response.status, status, "{query}: {}", response.text());
        assert!(
            response.text().contains(says),
            "{query}: {}",
            response.text()
        );
    }
    let absent = call(served.address, "GET", "/api/fs/c.bin", "", b"");
    assert_eq!(absent.status, 404, "a refused put names nothing");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn op_put_many_names_many_files_checks_them_all_first_and_stops_at_a_refusal() {
    let served = ServedBinary::start("cli-op-put-many");
    let root = scratch("op-put-many");
    let mut refs = Vec::new();
    for index in 0..2u64 {
        let file = root.join(format!("x{index}.bin"));
        write(&file, &pseudo_random_bytes(index, 5_000));
        let put = ok(&["put", file.to_str().unwrap(), "--server", &url(&served)]);
        refs.push(put.split(' ').next().unwrap().to_owned());
    }
    let post = |folder: &str, body: String| {
        let target = format!("/api/fs{folder}/?op=put-many");
        call(served.address, "POST", &target, "", body.as_bytes())
    };
    let entry = |path: &str, content: &str| format!(r#"{{"path":"{path}","content":"{content}"}}"#);
    let files = |entries: &[String]| format!(r#"{{"files":[{}]}}"#, entries.join(","));
    let first = post(
        "/m",
        files(&[entry("a.bin", &refs[0]), entry("sub/b.bin", &refs[1])]),
    );
    assert_eq!(first.status, 200, "{}", first.text());
    let answers = json_of(&first);
    let answers = answers
        .get("files")
        .and_then(|v| v.as_array())
        .unwrap()
        .to_vec();
    assert_eq!(answers.len(), 2);
    assert_eq!(
        answers[1].get("path").and_then(|v| v.as_str()),
        Some("/m/sub/b.bin")
    );
    assert_eq!(answers[1].get("size").and_then(|v| v.as_u64()), Some(5_000));
    for answer in &answers {
        assert_eq!(answer.get("created").and_then(|v| v.as_bool()), Some(true));
    }
    let again = post(
        "",
        files(&[entry("m/a.bin", &refs[0]), entry("/m/sub/b.bin", &refs[0])]),
    );
    assert_eq!(again.status, 200, "{}", again.text());
    let flags: Vec<(Option<bool>, Option<bool>)> = json_of(&again)
        .get("files")
        .and_then(|v| v.as_array())
        .unwrap()
        .iter()
        .map(|a| {
            (
                a.get("created").and_then(|v| v.as_bool()),
                a.get("changed").and_then(|v| v.as_bool()),
            )
        })
        .collect();
    assert_eq!(
        flags,
        [(Some(false), Some(false)), (Some(false), Some(true))]
    );
    let missing = strata::blob::BlobRef::of_bytes(b"never stored").to_string();
    let too_many: Vec<String> = (0..1001)
        .map(|i| entry(&format!("n{i}"), &refs[0]))
        .collect();
    for (body, status, says) in [
        (
            files(&[entry("new.bin", &refs[0]), entry("gone.bin", &missing)]),
            422,
            "/m/gone.bin: ",
        ),
        ("{\"files\":".to_owned(), 400, "not JSON"),
        ("{}".to_owned(), 400, "the body needs"),
        (files(&[entry("../x", &refs[0])]), 400, "files[0]: path"),
        (
            files(&[entry("y", "sha224-nope")]),
            400,
            "files[0]: content",
        ),
        (
            r#"{"files":[{"path":"z","content":"CONTENT","size":-1}]}"#
                .replace("CONTENT", &refs[0]),
            400,
            "byte count",
        ),
        (files(&too_many), 413, "at most 1000"),
    ] {
        let response = post("/m", body.clone());
        assert_eq!(response.status, status, "{body:.80}: {}", response.text());
        assert!(
            response.text().contains(says),
            "{body:.80}: {}",
            response.text()
        );
    }
    let absent = call(served.address, "GET", "/api/fs/m/new.bin", "", b"");
    assert_eq!(
        absent.status, 404,
        "a batch with a bad entry writes nothing"
    );
    let blocked = post(
        "/m",
        files(&[
            entry("c.bin", &refs[0]),
            entry("a.bin/inner", &refs[0]),
            entry("d.bin", &refs[0]),
        ]),
    );
    assert_eq!(blocked.status, 409, "{}", blocked.text());
    let answer = json_of(&blocked);
    assert!(
        answer
            .get("error")
            .and_then(|v| v.as_str())
            .unwrap()
            .starts_with("/m/a.bin/inner: ")
    );
    assert_eq!(
        answer
            .get("done")
            .and_then(|v| v.as_array())
            .map(|d| d.len()),
        Some(1)
    );
    assert_eq!(
        call(served.address, "GET", "/api/fs/m/c.bin", "", b"").status,
        200
    );
    assert_eq!(
        call(served.address, "GET", "/api/fs/m/d.bin", "", b"").status,
        404
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_wrong_token_a_server_down_and_a_held_folder_each_say_what_to_do() {
    let served = ServedBinary::start("cli-failures");
    let server = url(&served);
    let wrong = strata_with_token("wrong-token", &["ls", "/", "--server", &server]);
    assert_eq!(wrong.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        stderr.contains("refused the token (set STRATA_TOKEN)"),
        "{stderr}"
    );

    let data = served.data.to_str().unwrap();
    let held = strata_with_token(TOKEN, &["ls", "/", "--data", data]);
    assert_eq!(held.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&held.stderr);
    assert!(stderr.contains("held by another process"), "{stderr}");
    assert!(stderr.contains(&format!("--server {server}")), "{stderr}");
    for command in [vec!["reindex"], vec!["fsck"]] {
        let mut args = command.clone();
        args.extend(["--server", &server]);
        let refused = strata_with_token(TOKEN, &args);
        assert_eq!(refused.status.code(), Some(1), "{command:?}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains("stop the server"), "{stderr}");
    }

    // A port nothing listens on: the address of a server just stopped.
    drop(served);
    let down = strata_with_token(TOKEN, &["ls", "/", "--server", &server]);
    assert_eq!(down.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&down.stderr);
    assert!(stderr.contains("cannot connect to"), "{stderr}");
    assert!(
        stderr.contains("is 'strata serve' running there?"),
        "{stderr}"
    );
}
