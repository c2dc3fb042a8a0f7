//! The tree's operations one by one: their answers, their errors (each
//! path rule, missing paths, files where folders are needed, taken
//! names), the server clock, and the durable backend (`DbStorage`).

mod tree_support;

use std::sync::Arc;
use strata::blob::db_storage::DbStorage;
use strata::fs::{Backend, FsError, PathError, Tree, TreeOptions, TreePath, latest};
use strata::index::{EventKind, Kind};
use tree_support::{Fixture, path, time};

#[test]
fn each_bad_path_has_its_error() {
    let cases: [&[u8]; 6] = [b"a//b", b"/a/../b", b"/./a", b"/a\0b", b"/\xff", b"//"];
    for bytes in cases {
        assert!(TreePath::parse_bytes(bytes).is_err(), "{bytes:?}");
    }
    let long = format!("/{}", "n".repeat(256));
    assert!(matches!(
        TreePath::parse(&long),
        Err(PathError::BadName { index: 0, .. })
    ));
}

#[test]
fn missing_paths_files_in_the_way_and_taken_names_are_refused() {
    let fixture = Fixture::new(time(100));
    let tree = &fixture.tree;
    tree.put_file(&path("/f.txt"), &b"x"[..]).unwrap();
    tree.mkdir(&path("/d")).unwrap();
    let cases: Vec<(Result<(), FsError>, &str)> = vec![
        (tree.list(&path("/nope"), latest()).map(|_| ()), "not found"),
        (
            tree.list(&path("/f.txt"), latest()).map(|_| ()),
            "not a folder",
        ),
        (
            tree.stat(&path("/f.txt/x"), latest()).map(|_| ()),
            "not a folder",
        ),
        (
            tree.put_file(&path("/f.txt/x"), &b""[..]).map(|_| ()),
            "not a folder",
        ),
        (
            tree.put_file(&path("/d"), &b""[..]).map(|_| ()),
            "is a folder",
        ),
        (
            tree.open_file(&path("/d"), latest()).map(|_| ()),
            "is a folder",
        ),
        (
            tree.move_node(&path("/d"), &path("/f.txt"), false)
                .map(|_| ()),
            "name taken",
        ),
        (
            tree.move_node(&path("/d"), &path("/d/e"), false)
                .map(|_| ()),
            "inside",
        ),
        (tree.copy(&path("/d"), &path("/d/e")).map(|_| ()), "inside"),
        (tree.delete(&path("/")).map(|_| ()), "root"),
        (tree.delete(&path("/gone")).map(|_| ()), "not found"),
        (tree.restore(&path("/d"), time(50)).map(|_| ()), "not found"),
    ];
    for (index, (result, expected)) in cases.into_iter().enumerate() {
        let error = result.expect_err(expected).to_string();
        assert!(error.contains(expected), "case {index}: {error}");
    }
}

#[test]
fn move_with_replace_deletes_the_node_holding_the_name() {
    let fixture = Fixture::new(time(100));
    fixture.set_time(time(200));
    let old = fixture
        .tree
        .put_file(&path("/a.txt"), &b"old"[..])
        .unwrap()
        .node;
    fixture.tree.put_file(&path("/b.txt"), &b"new"[..]).unwrap();
    fixture.set_time(time(300));
    fixture
        .tree
        .move_node(&path("/b.txt"), &path("/a.txt"), true)
        .unwrap();
    assert_eq!(fixture.names("/", latest()), vec!["a.txt"]);
    assert_eq!(fixture.read("/a.txt", latest()), Some(b"new".to_vec()));
    let history = fixture.tree.history_of(&old).unwrap();
    assert_eq!(history[0].kind, EventKind::Deleted);
}

#[test]
fn copy_makes_new_nodes_with_the_same_content_refs() {
    let fixture = Fixture::new(time(100));
    let tree = &fixture.tree;
    let put = tree
        .put_file(&path("/src/sub/a.txt"), &b"bytes"[..])
        .unwrap();
    let blobs_before = fixture.blobs.len();
    tree.copy(&path("/src"), &path("/dst")).unwrap();
    let copied = tree.stat(&path("/dst/sub/a.txt"), latest()).unwrap();
    assert_eq!(copied.content, Some(put.content));
    assert_ne!(copied.node, put.node);
    // Only permanodes and claims were added: three nodes, three claims.
    assert_eq!(fixture.blobs.len(), blobs_before + 6);
}

#[test]
fn identical_content_makes_no_claim_and_the_clock_never_goes_back() {
    let fixture = Fixture::new(time(100));
    fixture.set_time(time(200));
    let first = fixture.tree.put_file(&path("/a"), &b"same"[..]).unwrap();
    let again = fixture.tree.put_file(&path("/a"), &b"same"[..]).unwrap();
    assert!(first.created && first.claim.is_some());
    assert_eq!((again.claim, again.created), (None, false));
    // The clock stands still: each claim is 1 ns after the last.
    let second = fixture.tree.put_file(&path("/b"), &b"b"[..]).unwrap();
    let date = second.claim.unwrap().date;
    assert_eq!(date, first.claim.unwrap().date.next_nanosecond().unwrap());
    // The last date survives a reopen, even with the clock set back.
    fixture.set_time(time(150));
    let fixture = fixture.reopen();
    let third = fixture.tree.put_file(&path("/c"), &b"c"[..]).unwrap();
    assert_eq!(third.claim.unwrap().date, date.next_nanosecond().unwrap());
}

#[test]
fn path_of_and_changes_describe_the_tree_over_time() {
    let fixture = Fixture::new(time(100));
    fixture.set_time(time(200));
    let node = fixture
        .tree
        .put_file(&path("/x/a.txt"), &b"1"[..])
        .unwrap()
        .node;
    fixture.set_time(time(300));
    fixture
        .tree
        .move_node(&path("/x"), &path("/y"), false)
        .unwrap();
    assert_eq!(
        fixture.tree.path_of(&node, time(250)).unwrap(),
        Some(path("/x/a.txt"))
    );
    assert_eq!(
        fixture.tree.path_of(&node, latest()).unwrap(),
        Some(path("/y/a.txt"))
    );
    assert_eq!(fixture.tree.path_of(&node, time(150)).unwrap(), None);
    let all = fixture.tree.changes(None, None, 100).unwrap();
    assert_eq!(all.len(), 4, "root, mkdir, put, move: {all:?}");
    let page = fixture.tree.changes(Some(time(200)), None, 100).unwrap();
    // The mkdir took 200 s exactly; the put 1 ns later, then the move.
    assert_eq!(page.len(), 2);
    assert_eq!(page[0].claim_type, "multi");
    assert_eq!(page[1].claim_type, "set-attribute");
    assert_eq!(
        fixture
            .tree
            .changes(None, Some(time(200)), 100)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(fixture.tree.changes(None, None, 2).unwrap().len(), 2);
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("strata-tree-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_tree_on_db_storage_survives_a_reopen() {
    let dir = temp_dir("durable");
    let open = || {
        let storage: Arc<dyn Backend> = Arc::new(DbStorage::open(&dir).unwrap());
        Tree::open(storage, TreeOptions::default()).unwrap()
    };
    let tree = open();
    let root = tree.root();
    tree.put_file(&path("/docs/a.txt"), &b"durable"[..])
        .unwrap();
    let listing = tree.list(&path("/docs"), latest()).unwrap();
    drop(tree);
    let tree = open();
    assert_eq!(tree.root(), root);
    assert_eq!(tree.list(&path("/docs"), latest()).unwrap(), listing);
    assert_eq!(listing[0].kind, Kind::File);
    tree.reindex().unwrap();
    assert_eq!(tree.list(&path("/docs"), latest()).unwrap(), listing);
    drop(tree);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A tree on `DbStorage` in a memory file system that can lose power.
fn open_on<E: strata::store::env::Env + Clone + 'static>(env: &E) -> (Arc<DbStorage>, Tree) {
    let options = strata::store::Options {
        create_if_missing: true,
        env: Arc::new(env.clone()),
        ..strata::store::Options::default()
    };
    let dir = std::path::Path::new("/data/store");
    let storage = Arc::new(DbStorage::open_with_options(dir, options).unwrap());
    let backend: Arc<dyn Backend> = storage.clone();
    (
        storage,
        Tree::open(backend, TreeOptions::default()).unwrap(),
    )
}

#[test]
fn put_contents_writes_in_order_stops_at_a_refusal_and_survives_a_power_cut() {
    let env = strata::store::env::MemEnv::new();
    let (storage, tree) = open_on(&env);
    let mut files = Vec::new();
    for index in 0..30u64 {
        let bytes = format!("file {index}").repeat(index as usize + 1);
        let written = strata::blob::write_file(
            &*storage,
            bytes.as_bytes(),
            &strata::blob::FileMeta::default(),
        )
        .unwrap();
        let at = path(&format!("/batch/d{}/f{index:02}", index % 3));
        files.push((at, written.file_ref, written.size));
    }
    let batch = tree.put_contents(&files).unwrap();
    assert!(batch.failure.is_none(), "{batch:?}");
    assert_eq!(batch.done.len(), 30);
    let made = |outcome: &strata::fs::PutOutcome| outcome.created && outcome.claim.is_some();
    assert!(batch.done.iter().all(made));
    // Again: nothing changes; then a file where a folder is needed stops
    // the batch at its index, and what came before it is kept.
    let again = tree.put_contents(&files[..2]).unwrap();
    assert!(again.failure.is_none() && again.done.iter().all(|o| o.claim.is_none()));
    let (content, size) = (files[0].1, files[0].2);
    let blocked = vec![
        (path("/batch/new.txt"), content, size),
        (path("/batch/new.txt/inner"), content, size),
        (path("/batch/never.txt"), content, size),
    ];
    let stopped = tree.put_contents(&blocked).unwrap();
    assert_eq!(stopped.done.len(), 1);
    assert!(
        matches!(stopped.failure, Some((1, FsError::NotAFolder { .. }))),
        "{stopped:?}"
    );
    let listing = |tree: &Tree| {
        let mut names = Vec::new();
        for folder in ["/batch", "/batch/d0", "/batch/d1", "/batch/d2"] {
            for entry in tree.list(&path(folder), latest()).unwrap() {
                names.push(format!("{folder}/{}", entry.name));
            }
        }
        names
    };
    let before = listing(&tree);
    assert_eq!(before.len(), 3 + 1 + 30, "{before:?}");
    drop(tree);
    drop(storage);
    env.crash();
    let (_storage, tree) = open_on(&env);
    assert_eq!(listing(&tree), before, "every answered put survives");
    assert!(tree.stat(&path("/batch/never.txt"), latest()).is_err());
}

#[test]
fn after_a_batch_whose_sync_failed_no_write_answers_from_its_claims() {
    // The batch's claims are in the memtable, visible, not on disk: a put
    // of the same content, or a mkdir of its folder, must not answer
    // "already there" while a power cut would undo it.
    let env = strata::store::env::FaultEnv::in_memory();
    let (storage, tree) = open_on(&env);
    let meta = strata::blob::FileMeta::default();
    let written = strata::blob::write_file(&*storage, &b"hello"[..], &meta).unwrap();
    let file = (path("/f/a.txt"), written.file_ref, written.size);
    env.set_sync_failing(true);
    assert!(tree.put_contents(std::slice::from_ref(&file)).is_err());
    env.set_sync_failing(false);
    let again = tree.put_content(&file.0, file.1, file.2);
    let folder = tree.mkdir(&path("/f"));
    if let (Ok(again), Ok(folder)) = (&again, &folder) {
        assert!(
            again.claim.is_some() || folder.claim.is_some(),
            "{again:?} {folder:?}"
        );
    }
    drop(tree);
    drop(storage);
    env.crash();
    let (_storage, tree) = open_on(&env);
    if again.is_ok() {
        assert!(
            tree.stat(&file.0, latest()).is_ok(),
            "an answered put survives"
        );
    }
    if folder.is_ok() {
        assert!(
            tree.stat(&path("/f"), latest()).is_ok(),
            "an answered mkdir survives"
        );
    }
}
