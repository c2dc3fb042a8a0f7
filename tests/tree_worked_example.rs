//! TREE.md's worked example, exactly as written, plus its history.

mod tree_support;

use strata::fs::latest;
use strata::index::EventKind;
use tree_support::{Fixture, path, time};

#[test]
fn worked_example_of_tree_md_gives_every_answer_it_states() {
    let fixture = Fixture::new(time(1_000));
    let tree = &fixture.tree;
    let t = |index: i64| time(1_000 + 100 * index);
    fixture.set_time(t(1));
    tree.mkdir(&path("/docs")).unwrap();
    fixture.set_time(t(2));
    let a = tree
        .put_file(&path("/docs/a.txt"), &b"one"[..])
        .unwrap()
        .node;
    fixture.set_time(t(3));
    tree.put_file(&path("/docs/a.txt"), &b"two"[..]).unwrap();
    fixture.set_time(t(4));
    tree.move_node(&path("/docs/a.txt"), &path("/b.txt"), false)
        .unwrap();
    fixture.set_time(t(5));
    tree.delete(&path("/docs")).unwrap();
    fixture.set_time(t(6));
    tree.restore(&path("/docs"), t(3)).unwrap();

    assert_eq!(fixture.read("/docs/a.txt", t(2)), Some(b"one".to_vec()));
    assert_eq!(fixture.read("/docs/a.txt", t(3)), Some(b"two".to_vec()));
    assert_eq!(fixture.names("/docs", t(4)), Vec::<String>::new());
    assert_eq!(fixture.read("/b.txt", t(4)), Some(b"two".to_vec()));
    assert_eq!(fixture.names("/", t(5)), vec!["b.txt"]);
    assert_eq!(fixture.read("/docs/a.txt", t(6)), Some(b"two".to_vec()));
    assert_eq!(fixture.names("/", t(6)), vec!["docs"]);
    assert_eq!(fixture.read("/b.txt", t(6)), None);

    let history = tree.history(&path("/docs/a.txt"), latest()).unwrap();
    let kinds: Vec<(EventKind, i64)> = history
        .iter()
        .map(|event| (event.kind, event.key.date.unix_seconds()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (EventKind::Restored, t(6).unix_seconds()),
            (EventKind::Moved, t(4).unix_seconds()),
            (EventKind::Edited, t(3).unix_seconds()),
            (EventKind::Created, t(2).unix_seconds()),
        ]
    );
    assert!(history.iter().all(|event| event.key.date > t(1)));
    assert_eq!(tree.history_of(&a).unwrap(), history);
}

#[test]
fn worked_example_answers_the_same_after_reindex_and_reopen() {
    let fixture = Fixture::new(time(1_000));
    let t = |index: i64| time(1_000 + 100 * index);
    fixture.set_time(t(1));
    fixture.tree.mkdir(&path("/docs")).unwrap();
    fixture.set_time(t(2));
    fixture
        .tree
        .put_file(&path("/docs/a.txt"), &b"one"[..])
        .unwrap();
    fixture.set_time(t(3));
    fixture
        .tree
        .move_node(&path("/docs/a.txt"), &path("/b.txt"), false)
        .unwrap();
    let before: Vec<_> = (0..5)
        .map(|i| fixture.tree.list(&path("/"), t(i)).unwrap())
        .collect();
    fixture.tree.reindex().unwrap();
    let fixture = fixture.reopen();
    let after: Vec<_> = (0..5)
        .map(|i| fixture.tree.list(&path("/"), t(i)).unwrap())
        .collect();
    assert_eq!(before, after);
    assert_eq!(fixture.read("/b.txt", t(3)), Some(b"one".to_vec()));
}
