//! Attribute folding: order, ties, the instant T, deletions at T, multi,
//! and invariance under the order claims arrive in.

use super::*;
use crate::schema::claim::ClaimBuilder;

fn reference(seed: &str) -> BlobRef {
    BlobRef::of_bytes(seed.as_bytes())
}

fn node() -> BlobRef {
    reference("node")
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).unwrap()
}

fn seconds(unix_seconds: i64, nanos: u32) -> Timestamp {
    Timestamp::new(unix_seconds, nanos).unwrap()
}

fn by(date: Timestamp) -> ClaimBuilder {
    ClaimBuilder::new(reference("signer"), date)
}

fn with_ref(claim: Claim) -> (BlobRef, Claim) {
    (claim.blob_ref(), claim)
}

fn set(date: Timestamp, attribute: &str, value: &str) -> (BlobRef, Claim) {
    with_ref(
        by(date)
            .set_attribute(node(), attribute, value)
            .build()
            .unwrap(),
    )
}

fn delete(date: Timestamp, target: BlobRef) -> (BlobRef, Claim) {
    with_ref(by(date).delete(target).build().unwrap())
}

fn values(state: &AttributeState, attribute: &str) -> Vec<String> {
    state.values(attribute).to_vec()
}

fn far() -> Timestamp {
    Timestamp::new(crate::util::rfc3339::UNIX_SECONDS_MAX, 999_999_999).unwrap()
}

#[test]
fn later_set_replaces_earlier_set() {
    let claims = [
        set(seconds(10, 0), "title", "a"),
        set(seconds(20, 0), "title", "b"),
    ];
    assert_eq!(
        attributes_at(&node(), &claims, seconds(15, 0)).get("title"),
        Some("a")
    );
    assert_eq!(
        attributes_at(&node(), &claims, seconds(20, 0)).get("title"),
        Some("b")
    );
    assert_eq!(
        attributes_at(&node(), &claims, seconds(9, 0)),
        AttributeState::default()
    );
}

#[test]
fn add_appends_and_del_with_value_removes_every_equal_value() {
    let add = |second, value| {
        with_ref(
            by(seconds(second, 0))
                .add_attribute(node(), "tag", value)
                .build()
                .unwrap(),
        )
    };
    let claims = vec![
        add(1, "x"),
        add(2, "y"),
        add(3, "x"),
        with_ref(
            by(seconds(4, 0))
                .del_value(node(), "tag", "x")
                .build()
                .unwrap(),
        ),
        with_ref(
            by(seconds(5, 0))
                .del_value(node(), "tag", "y")
                .build()
                .unwrap(),
        ),
    ];
    let state = |second| attributes_at(&node(), &claims, seconds(second, 0));
    assert_eq!(values(&state(3), "tag"), ["x", "y", "x"]);
    assert_eq!(values(&state(4), "tag"), ["y"]);
    assert!(!state(5).attributes.contains_key("tag"));
}

#[test]
fn del_without_value_removes_the_attribute_and_set_restores_it() {
    let claims = vec![
        set(seconds(1, 0), "strataPlace", "p"),
        with_ref(
            by(seconds(2, 0))
                .del_attribute(node(), "strataPlace")
                .build()
                .unwrap(),
        ),
        set(seconds(3, 0), "strataPlace", "q"),
    ];
    assert_eq!(
        attributes_at(&node(), &claims, seconds(2, 0)).get("strataPlace"),
        None
    );
    assert_eq!(
        attributes_at(&node(), &claims, seconds(3, 0)).get("strataPlace"),
        Some("q")
    );
}

#[test]
fn equal_dates_are_ordered_by_claim_ref_whatever_the_input_order() {
    let date = seconds(7, 0);
    let one = set(date, "title", "one");
    let two = set(date, "title", "two");
    let winner = if one.0 > two.0 { "one" } else { "two" };
    let forward = [one.clone(), two.clone()];
    let backward = [two, one];
    assert_eq!(
        attributes_at(&node(), &forward, date).get("title"),
        Some(winner)
    );
    assert_eq!(
        attributes_at(&node(), &backward, date).get("title"),
        Some(winner)
    );
}

#[test]
fn a_claim_dated_exactly_t_counts_and_one_nanosecond_later_does_not() {
    let claims = [set(seconds(100, 5), "title", "a")];
    assert_eq!(
        attributes_at(&node(), &claims, seconds(100, 5)).get("title"),
        Some("a")
    );
    assert_eq!(
        attributes_at(&node(), &claims, seconds(100, 4)).get("title"),
        None
    );
}

#[test]
fn a_time_given_to_the_second_means_that_exact_instant() {
    let claims = [
        set(at("2026-01-01T10:00:00Z"), "title", "on the second"),
        set(at("2026-01-01T10:00:00.000000001Z"), "title", "just after"),
    ];
    let state = attributes_at(&node(), &claims, at("2026-01-01T10:00:00Z"));
    assert_eq!(state.get("title"), Some("on the second"));
}

#[test]
fn claims_about_other_nodes_are_ignored() {
    let other = with_ref(
        by(seconds(1, 0))
            .set_attribute(reference("x"), "a", "v")
            .build()
            .unwrap(),
    );
    assert_eq!(
        attributes_at(&node(), &[other], far()),
        AttributeState::default()
    );
}

#[test]
fn a_deleted_claim_stops_counting_from_the_delete_date_only() {
    let content = set(seconds(1, 0), "camliContent", "c1");
    let claims = vec![content.clone(), delete(seconds(5, 0), content.0)];
    assert_eq!(
        attributes_at(&node(), &claims, seconds(4, 0)).get("camliContent"),
        Some("c1")
    );
    assert_eq!(
        attributes_at(&node(), &claims, seconds(5, 0)).get("camliContent"),
        None
    );
}

#[test]
fn deleting_a_delete_undeletes_and_a_third_delete_deletes_again() {
    let content = set(seconds(1, 0), "title", "t");
    let first = delete(seconds(2, 0), content.0);
    let second = delete(seconds(3, 0), first.0);
    let third = delete(seconds(4, 0), second.0);
    let claims = vec![third, content, second, first];
    let title = |second| {
        attributes_at(&node(), &claims, seconds(second, 0))
            .get("title")
            .map(str::to_owned)
    };
    assert_eq!(title(1).as_deref(), Some("t"));
    assert_eq!(title(2), None);
    assert_eq!(title(3).as_deref(), Some("t"));
    assert_eq!(title(4), None);
}

#[test]
fn a_deleted_node_has_no_attributes_until_the_delete_is_deleted() {
    let title = set(seconds(1, 0), "title", "t");
    let gone = delete(seconds(2, 0), node());
    let back = delete(seconds(3, 0), gone.0);
    let claims = vec![title, gone, back];
    assert!(!attributes_at(&node(), &claims, seconds(1, 0)).deleted);
    let deleted = attributes_at(&node(), &claims, seconds(2, 0));
    assert!(deleted.deleted);
    assert!(deleted.attributes.is_empty());
    let restored = attributes_at(&node(), &claims, seconds(3, 0));
    assert!(!restored.deleted);
    assert_eq!(restored.get("title"), Some("t"));
}

#[test]
fn a_multi_applies_only_its_changes_to_this_node_and_dies_whole() {
    let multi = with_ref(
        by(seconds(1, 0))
            .set_attribute(reference("parent"), "title", "not ours")
            .set_attribute(node(), "strataPlace", "p")
            .add_attribute(node(), "tag", "t")
            .build()
            .unwrap(),
    );
    let claims = vec![multi.clone(), delete(seconds(2, 0), multi.0)];
    let state = attributes_at(&node(), &claims, seconds(1, 0));
    assert_eq!(state.get("strataPlace"), Some("p"));
    assert_eq!(state.get("tag"), Some("t"));
    assert_eq!(state.get("title"), None);
    assert!(
        attributes_at(&node(), &claims, seconds(2, 0))
            .attributes
            .is_empty()
    );
}

#[test]
fn a_delete_inside_a_multi_is_undone_with_the_multi() {
    let content = set(seconds(1, 0), "title", "t");
    let multi = with_ref(
        by(seconds(2, 0))
            .delete(content.0)
            .set_attribute(node(), "tag", "u")
            .build()
            .unwrap(),
    );
    let claims = vec![content, multi.clone(), delete(seconds(3, 0), multi.0)];
    let state = |second| attributes_at(&node(), &claims, seconds(second, 0));
    assert_eq!(state(2).get("title"), None);
    assert_eq!(state(2).get("tag"), Some("u"));
    assert_eq!(state(3).get("title"), Some("t"));
    assert_eq!(state(3).get("tag"), None);
}

#[test]
fn a_delete_dated_before_its_target_still_applies_at_t() {
    let content = set(seconds(5, 0), "title", "t");
    let claims = vec![content.clone(), delete(seconds(1, 0), content.0)];
    assert_eq!(
        attributes_at(&node(), &claims, seconds(6, 0)).get("title"),
        None
    );
}

#[test]
fn a_delete_cycle_with_made_up_refs_ends_without_panic() {
    let first = by(seconds(1, 0)).delete(reference("b")).build().unwrap();
    let second = by(seconds(1, 0)).delete(reference("a")).build().unwrap();
    let content = set(seconds(1, 0), "title", "t");
    let claims = vec![
        (reference("a"), first),
        (reference("b"), second),
        (content.0, content.1.clone()),
        (
            reference("c"),
            by(seconds(1, 0)).delete(content.0).build().unwrap(),
        ),
    ];
    let state = attributes_at(&node(), &claims, far());
    assert_eq!(state.get("title"), None);
}

#[test]
fn a_long_delete_chain_does_not_overflow_the_stack() {
    let content = set(seconds(1, 0), "title", "t");
    let mut claims = vec![content.clone()];
    let mut target = content.0;
    let chain_length = 20_001;
    for index in 0..chain_length {
        let next = (
            reference(&format!("d{index}")),
            by(seconds(2, 0)).delete(target).build().unwrap(),
        );
        target = next.0;
        claims.push(next);
    }
    // An odd number of deletes in a chain deletes the content.
    assert_eq!(attributes_at(&node(), &claims, far()).get("title"), None);
    claims.pop();
    assert_eq!(
        attributes_at(&node(), &claims, far()).get("title"),
        Some("t")
    );
}

/// A small deterministic generator (xorshift64*), seeded and printed.
struct Random(u64);

impl Random {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    }
}

fn random_claims(random: &mut Random) -> Vec<(BlobRef, Claim)> {
    let mut claims: Vec<(BlobRef, Claim)> = Vec::new();
    for _ in 0..40 {
        let date = seconds(random.below(20) as i64, random.below(3) as u32);
        let value = format!("v{}", random.below(4));
        let builder = by(date);
        let builder = match random.below(5) {
            0 => builder.set_attribute(node(), "a", &value),
            1 => builder.add_attribute(node(), "a", &value),
            2 => builder.del_value(node(), "a", &value),
            3 => builder.del_attribute(node(), "a"),
            _ if claims.is_empty() => builder.delete(node()),
            _ => builder.delete(claims[random.below(claims.len() as u64) as usize].0),
        };
        claims.push(with_ref(builder.build().unwrap()));
    }
    claims
}

#[test]
fn the_state_at_t_ignores_arrival_order_and_claims_after_t() {
    for seed in 1..=50u64 {
        let mut random = Random(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let claims = random_claims(&mut random);
        let mut shuffled = claims.clone();
        for index in (1..shuffled.len()).rev() {
            shuffled.swap(index, random.below(index as u64 + 1) as usize);
        }
        for second in 0..21 {
            let time = seconds(second, 1);
            let expected = attributes_at(&node(), &claims, time);
            assert_eq!(
                attributes_at(&node(), &shuffled, time),
                expected,
                "seed {seed}"
            );
            let before: Vec<_> = claims
                .iter()
                .filter(|(_, c)| c.date <= time)
                .cloned()
                .collect();
            assert_eq!(
                attributes_at(&node(), &before, far()),
                expected,
                "seed {seed}"
            );
        }
    }
}
