//! The site's publish records (src/site/SITE.md) on a tree with a
//! hand-set clock: numbering, `at`, rollback's stack of versions, the
//! publish in force at any time, errors, and that publishes survive a
//! reopen and a reindex and make no tree history.

mod tree_support;

use strata::fs::FsError;
use strata::site::{self, Publish};
use tree_support::{Fixture, path, time};

fn ats(publishes: &[Publish]) -> Vec<i64> {
    publishes.iter().map(|p| p.at.unix_seconds()).collect()
}

#[test]
fn publish_without_at_makes_its_own_date_live_and_numbers_from_one() {
    let fixture = Fixture::new(time(100));
    assert_eq!(site::current(&fixture.tree).unwrap(), None);
    fixture.set_time(time(200));
    let first = site::publish(&fixture.tree, None).unwrap();
    assert_eq!(first.number, 1);
    assert_eq!((first.published, first.at), (time(200), time(200)));
    fixture.set_time(time(300));
    let second = site::publish(&fixture.tree, Some(time(150))).unwrap();
    assert_eq!(
        (second.number, second.at, second.published),
        (2, time(150), time(300))
    );
    assert_eq!(site::list(&fixture.tree).unwrap(), [first, second]);
    assert_eq!(site::current(&fixture.tree).unwrap(), Some(second));
}

#[test]
fn a_publish_of_the_future_is_refused() {
    let fixture = Fixture::new(time(100));
    let refused = site::publish(&fixture.tree, Some(time(101)));
    assert!(matches!(refused, Err(FsError::Invalid(_))), "{refused:?}");
    assert!(site::list(&fixture.tree).unwrap().is_empty());
}

#[test]
fn the_publish_in_force_at_t_is_the_latest_published_by_then() {
    let fixture = Fixture::new(time(100));
    for seconds in [200, 300, 400] {
        fixture.set_time(time(seconds));
        site::publish(&fixture.tree, None).unwrap();
    }
    let number_at = |seconds| {
        site::in_force_at(&fixture.tree, time(seconds))
            .unwrap()
            .map(|p| p.number)
    };
    assert_eq!(number_at(199), None);
    assert_eq!(number_at(200), Some(1));
    assert_eq!(number_at(299), Some(1));
    assert_eq!(number_at(350), Some(2));
    assert_eq!(number_at(10_000), Some(3));
}

#[test]
fn rollback_steps_back_one_version_each_time_then_refuses() {
    let fixture = Fixture::new(time(100));
    let nothing = site::rollback(&fixture.tree, None);
    assert!(matches!(nothing, Err(FsError::Conflict(_))), "{nothing:?}");
    for seconds in [200, 300, 400] {
        fixture.set_time(time(seconds));
        site::publish(&fixture.tree, None).unwrap();
    }
    fixture.set_time(time(500));
    let back = site::rollback(&fixture.tree, None).unwrap();
    assert_eq!((back.number, back.at), (4, time(300)));
    let further = site::rollback(&fixture.tree, None).unwrap();
    assert_eq!((further.number, further.at), (5, time(200)));
    let refused = site::rollback(&fixture.tree, None);
    assert!(matches!(refused, Err(FsError::Conflict(_))), "{refused:?}");
    // Redo by number: publish 3's version again.
    let redo = site::rollback(&fixture.tree, Some(3)).unwrap();
    assert_eq!((redo.number, redo.at), (6, time(400)));
    let list = site::list(&fixture.tree).unwrap();
    assert_eq!(ats(&list), [200, 300, 400, 300, 200, 400]);
}

#[test]
fn rollback_to_a_number_checks_it() {
    let fixture = Fixture::new(time(100));
    fixture.set_time(time(200));
    site::publish(&fixture.tree, None).unwrap();
    let missing = site::rollback(&fixture.tree, Some(2));
    assert!(
        matches!(missing, Err(FsError::NotFound { .. })),
        "{missing:?}"
    );
    let zero = site::rollback(&fixture.tree, Some(0));
    assert!(matches!(zero, Err(FsError::NotFound { .. })), "{zero:?}");
    let same = site::rollback(&fixture.tree, Some(1));
    assert!(matches!(same, Err(FsError::Conflict(_))), "{same:?}");
    assert_eq!(site::list(&fixture.tree).unwrap().len(), 1);
}

#[test]
fn publishes_survive_reopen_and_reindex_and_are_not_tree_history() {
    let fixture = Fixture::new(time(100));
    fixture.set_time(time(150));
    fixture
        .tree
        .put_file(&path("/site/index.html"), &b"one"[..])
        .unwrap();
    fixture.set_time(time(200));
    let made = site::publish(&fixture.tree, None).unwrap();
    let generation = fixture.tree.generation();
    fixture.set_time(time(250));
    site::publish(&fixture.tree, None).unwrap();
    assert!(
        fixture.tree.generation() > generation,
        "a publish is a write"
    );
    let fixture = fixture.reopen();
    fixture.tree.reindex().unwrap();
    let list = site::list(&fixture.tree).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0], made);
    // The root has no events, and the tree reads as before.
    assert!(
        fixture
            .tree
            .history_of(&fixture.tree.root())
            .unwrap()
            .is_empty()
    );
    assert_eq!(fixture.names("/", time(300)), ["site"]);
    assert_eq!(fixture.read("/site/index.html", time(300)).unwrap(), b"one");
}
