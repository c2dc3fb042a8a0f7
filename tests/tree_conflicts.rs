//! The conflict rules of TREE.md with claims dated by hand, as they can
//! arrive from elsewhere (the blob API, later sync): a move that would
//! make a cycle is skipped; two nodes with one name are both shown, the
//! later with a suffix; claims arriving out of order give the answers of
//! claims arriving in order; a Perkeep `delete` is evaluated at each date;
//! malformed schema blobs stay plain blobs.

mod tree_support;

use strata::blob::BlobRef;
use strata::fs::{FsError, latest};
use strata::schema::attributes::{
    CAMLI_CONTENT, CAMLI_NODE_TYPE, NODE_TYPE_DIRECTORY, STRATA_PLACE,
};
use strata::schema::{Claim, ClaimBuilder, Permanode, Place};
use strata::util::rfc3339::Timestamp;
use tree_support::{Fixture, path, time};

fn signer() -> BlobRef {
    BlobRef::of_bytes(b"strata owner")
}

/// Stores a new permanode named by `nonce`.
fn node(fixture: &Fixture, nonce: &str) -> BlobRef {
    let bytes = Permanode::new(nonce, signer()).unwrap().to_canonical();
    fixture.tree.store_blob(bytes.as_bytes()).unwrap()
}

fn place_value(parent: BlobRef, name: &str) -> String {
    Place::new(parent, name).unwrap().encode()
}

/// A claim placing `child` as `name` in `parent` (a folder when asked).
fn place(child: BlobRef, parent: BlobRef, name: &str, date: Timestamp, folder: bool) -> Claim {
    let mut builder = ClaimBuilder::new(signer(), date).set_attribute(
        child,
        STRATA_PLACE,
        &place_value(parent, name),
    );
    if folder {
        builder = builder.set_attribute(child, CAMLI_NODE_TYPE, NODE_TYPE_DIRECTORY);
    }
    builder.build().unwrap()
}

fn store(fixture: &Fixture, claim: &Claim) -> BlobRef {
    fixture
        .tree
        .store_blob(claim.to_canonical().as_bytes())
        .unwrap()
}

/// Every listing of every folder path in `paths` at every time in `times`
/// (names, kinds, sizes: the nodes the tree makes itself differ from
/// store to store).
fn snapshot(fixture: &Fixture, paths: &[&str], times: &[Timestamp]) -> Vec<String> {
    let mut out = Vec::new();
    for at in times {
        for folder in paths {
            let listing = match fixture.tree.list(&path(folder), *at) {
                Ok(entries) => format!(
                    "{:?}",
                    entries
                        .iter()
                        .map(|e| (&e.name, e.kind, e.size))
                        .collect::<Vec<_>>()
                ),
                Err(error) => format!("{error}"),
            };
            out.push(format!("{folder} at {at}: {listing}"));
        }
    }
    out
}

#[test]
fn a_move_that_would_make_a_cycle_is_skipped() {
    let fixture = Fixture::new(time(100));
    let root = fixture.tree.root();
    let a = node(&fixture, "a");
    let b = node(&fixture, "b");
    store(&fixture, &place(a, root, "a", time(200), true));
    store(&fixture, &place(b, a, "b", time(300), true));
    // a into its own child b: skipped, a stays at the root.
    store(&fixture, &place(a, b, "a", time(400), false));
    assert_eq!(fixture.names("/", time(500)), vec!["a"]);
    assert_eq!(fixture.names("/a", time(500)), vec!["b"]);
    assert_eq!(fixture.names("/a/b", time(500)), Vec::<String>::new());
    let history = fixture.tree.history_of(&a).unwrap();
    assert_eq!(
        history.len(),
        1,
        "the skipped move is no event: {history:?}"
    );
}

#[test]
fn of_two_crossing_moves_the_later_is_skipped_whatever_the_arrival_order() {
    let times = [
        time(150),
        time(250),
        time(350),
        time(450),
        time(550),
        latest(),
    ];
    let mut answers = Vec::new();
    for order in [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1], [1, 3, 0, 2]] {
        let fixture = Fixture::new(time(100));
        let root = fixture.tree.root();
        let a = node(&fixture, "a");
        let b = node(&fixture, "b");
        let claims = [
            place(a, root, "a", time(200), true),
            place(b, root, "b", time(300), true),
            place(a, b, "a", time(400), false),
            place(b, a, "b", time(500), false),
        ];
        for index in order {
            store(&fixture, &claims[index]);
        }
        assert_eq!(fixture.names("/", latest()), vec!["b"], "order {order:?}");
        assert_eq!(fixture.names("/b", latest()), vec!["a"], "order {order:?}");
        assert_eq!(fixture.names("/b/a", latest()), Vec::<String>::new());
        let snap = snapshot(&fixture, &["/", "/a", "/b", "/b/a"], &times);
        fixture.tree.reindex().unwrap();
        assert_eq!(
            snapshot(&fixture, &["/", "/a", "/b", "/b/a"], &times),
            snap,
            "reindex, order {order:?}"
        );
        answers.push(snap);
    }
    assert!(answers.windows(2).all(|pair| pair[0] == pair[1]));
}

#[test]
fn two_nodes_with_one_name_are_both_shown_the_later_with_a_suffix() {
    let fixture = Fixture::new(time(100));
    let root = fixture.tree.root();
    fixture.set_time(time(150));
    let first = fixture
        .tree
        .put_file(&path("/elsewhere/report.txt"), &b"first"[..])
        .unwrap();
    let second = node(&fixture, "second");
    let content = first.content;
    let claim = ClaimBuilder::new(signer(), time(300))
        .set_attribute(second, STRATA_PLACE, &place_value(root, "report.txt"))
        .set_attribute(second, CAMLI_CONTENT, content.as_str())
        .build()
        .unwrap();
    store(&fixture, &claim);
    // The first node arrives in the root later (t400): it is placed after
    // the second, so the second keeps the bare name.
    let moved = place(first.node, root, "report.txt", time(400), false);
    store(&fixture, &moved);
    assert_eq!(
        fixture.names("/", time(350)),
        vec!["elsewhere", "report.txt"]
    );
    assert_eq!(
        fixture.names("/", time(400)),
        vec!["elsewhere", "report (2).txt", "report.txt"]
    );
    let shown = fixture
        .tree
        .stat(&path("/report (2).txt"), latest())
        .unwrap();
    assert_eq!(shown.node, first.node);
    assert_eq!(
        fixture
            .tree
            .stat(&path("/report.txt"), latest())
            .unwrap()
            .node,
        second
    );
    assert_eq!(
        fixture.read("/report (2).txt", latest()),
        Some(b"first".to_vec())
    );
    // Locally, moving onto a taken name is refused.
    let refused = fixture
        .tree
        .move_node(&path("/elsewhere"), &path("/report.txt"), false);
    assert!(
        matches!(refused, Err(FsError::NameTaken { .. })),
        "{refused:?}"
    );
}

/// Folders x and y, a file f in x with two versions; y moved into x,
/// then x into y (a cycle: skipped), y deleted, f and y placed again.
fn crossing_claims(fixture: &Fixture, nodes: &[BlobRef]) -> Vec<Claim> {
    let root = fixture.tree.root();
    let (x, y, f) = (nodes[0], nodes[1], nodes[2]);
    let content = |text: &str| {
        let put = fixture
            .tree
            .put_file(&path(&format!("/tmp/{text}")), text.as_bytes())
            .unwrap();
        put.content
    };
    let one = content("one");
    let two = content("two");
    let set_content = |value: &BlobRef, date| {
        ClaimBuilder::new(signer(), date)
            .set_attribute(f, CAMLI_CONTENT, value.as_str())
            .build()
            .unwrap()
    };
    vec![
        place(x, root, "x", time(200), true),
        place(y, root, "y", time(300), true),
        place(f, x, "f", time(400), false),
        set_content(&one, time(500)),
        place(y, x, "y", time(600), false),
        place(x, y, "x", time(700), false),
        set_content(&two, time(800)),
        ClaimBuilder::new(signer(), time(900))
            .del_attribute(y, STRATA_PLACE)
            .build()
            .unwrap(),
        place(f, root, "f", time(1000), false),
        place(y, root, "y", time(1100), false),
    ]
}

#[test]
fn claims_arriving_out_of_order_give_the_in_order_answers() {
    let times: Vec<Timestamp> = (1..=12)
        .map(|i| time(100 * i + 50))
        .chain([latest()])
        .collect();
    let folders = ["/", "/x", "/y", "/x/y", "/y/x", "/x/f"];
    let mut answers = Vec::new();
    for seed in 0..6u64 {
        let fixture = Fixture::new(time(100));
        fixture.set_time(time(120));
        let nodes = [
            node(&fixture, "x"),
            node(&fixture, "y"),
            node(&fixture, "f"),
        ];
        let claims = crossing_claims(&fixture, &nodes);
        let order = shuffled(claims.len(), seed);
        for index in &order {
            store(&fixture, &claims[*index]);
        }
        let snap = snapshot(&fixture, &folders, &times);
        fixture.tree.reindex().unwrap();
        assert_eq!(
            snapshot(&fixture, &folders, &times),
            snap,
            "reindex after order {order:?}"
        );
        answers.push((order, snap));
    }
    for (order, snap) in &answers[1..] {
        assert_eq!(snap, &answers[0].1, "order {order:?} against in order");
    }
    // The cycle rule held: y into x at 600, so x into y at 700 is skipped.
    let at = time(750);
    assert!(
        answers[0]
            .1
            .iter()
            .any(|line| line.starts_with(&format!("/x at {at}: [(\"f\"")))
    );
}

/// 0..count, shuffled by `seed` (seed 0: in order).
fn shuffled(count: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..count).collect();
    let mut state = seed;
    for index in (1..order.len()).rev().take_while(|_| seed > 0) {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        order.swap(index, (state >> 33) as usize % (index + 1));
    }
    order
}

#[test]
fn a_perkeep_delete_of_a_place_claim_undoes_it_from_its_date_on() {
    let fixture = Fixture::new(time(100));
    let root = fixture.tree.root();
    let a = node(&fixture, "a");
    let b = node(&fixture, "b");
    store(&fixture, &place(a, root, "a", time(200), true));
    store(&fixture, &place(b, root, "b", time(210), true));
    let moved = store(&fixture, &place(a, b, "a", time(300), false));
    let delete = ClaimBuilder::new(signer(), time(400))
        .delete(moved)
        .build()
        .unwrap();
    store(&fixture, &delete);
    assert_eq!(fixture.names("/", time(350)), vec!["b"]);
    assert_eq!(fixture.names("/b", time(350)), vec!["a"]);
    assert_eq!(fixture.names("/", time(450)), vec!["a", "b"]);
    let snap = snapshot(&fixture, &["/", "/b"], &[time(250), time(350), time(450)]);
    fixture.tree.reindex().unwrap();
    assert_eq!(
        snapshot(&fixture, &["/", "/b"], &[time(250), time(350), time(450)]),
        snap
    );
}

#[test]
fn malformed_schema_blobs_are_stored_as_plain_blobs_and_index_nothing() {
    let fixture = Fixture::new(time(100));
    let root = fixture.tree.root();
    let a = node(&fixture, "a");
    let bad = [
        br#"{"camliVersion": 1, "camliType": "claim"}"#.to_vec(),
        br#"{"camliVersion": 1, "camliType": "claim", "claimDate": "yesterday"}"#.to_vec(),
        b"{\"camliVersion\": 1, \"camliType\": \"claim\", \xff}".to_vec(),
        b"{camliVersion".to_vec(),
        // A set-attribute without its value.
        format!(
            "{{\"camliVersion\": 1, \"camliType\": \"claim\", \"camliSigner\": \"{}\", \
             \"claimDate\": \"2026-01-01T00:00:00Z\", \"claimType\": \"set-attribute\", \
             \"permaNode\": \"{a}\", \"attribute\": \"strataPlace\"}}",
            signer()
        )
        .into_bytes(),
    ];
    for bytes in &bad {
        let stored = fixture.tree.store_blob(bytes).unwrap();
        assert_eq!(stored, BlobRef::of_bytes(bytes));
    }
    assert!(fixture.tree.claims(&a).unwrap().is_empty());
    // A claim with a place value that names no folder: no place.
    let claim = ClaimBuilder::new(signer(), time(300))
        .set_attribute(a, STRATA_PLACE, "not a place")
        .build()
        .unwrap();
    store(&fixture, &claim);
    assert_eq!(fixture.names("/", latest()), Vec::<String>::new());
    assert_eq!(fixture.tree.claims(&a).unwrap().len(), 1);
    let report = fixture.tree.reindex().unwrap();
    assert_eq!(report.invalid_schema_blobs, bad.len() as u64, "{report:?}");
    assert_eq!(fixture.names("/", latest()), Vec::<String>::new());
    let _ = root;
}
