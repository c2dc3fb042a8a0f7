//! `SCHEMA.md`'s examples are tests: every block marked
//! `<!-- example: NAME -->` must be, byte for byte, what the builders write
//! for the inputs named here, and every example here must appear there.

use super::attributes::{CAMLI_CONTENT, CAMLI_NODE_TYPE, CAMLI_ROOT, NODE_TYPE_DIRECTORY};
use super::attributes::{Place, ROOT_NAME, STRATA_PLACE};
use super::claim::ClaimBuilder;
use super::directory::{Directory, StaticSet};
use super::permanode::Permanode;
use crate::blob::BlobRef;
use crate::util::rfc3339::Timestamp;

const SCHEMA_MD: &str = include_str!("SCHEMA.md");
const MARKER: &str = "<!-- example: ";

fn reference(seed: &str) -> BlobRef {
    BlobRef::of_bytes(seed.as_bytes())
}

fn owner() -> ClaimBuilder {
    let date = Timestamp::parse_rfc3339("2026-11-21T23:40:02.123456789Z").unwrap();
    ClaimBuilder::new(reference("signer"), date)
}

fn claim_examples() -> Vec<(&'static str, String)> {
    let node = reference("node");
    let place = Place::new(reference("folder"), "a.txt").unwrap().encode();
    let claim = |builder: ClaimBuilder| builder.build().unwrap().to_canonical();
    vec![
        (
            "set-attribute",
            claim(owner().set_attribute(node, CAMLI_CONTENT, reference("file").as_str())),
        ),
        (
            "place",
            claim(owner().set_attribute(node, STRATA_PLACE, &place)),
        ),
        (
            "add-attribute",
            claim(owner().add_attribute(node, "tag", "draft")),
        ),
        (
            "del-attribute",
            claim(owner().del_attribute(node, STRATA_PLACE)),
        ),
        (
            "del-attribute-value",
            claim(owner().del_value(node, "tag", "draft")),
        ),
        ("delete", claim(owner().delete(reference("claim")))),
        (
            "multi",
            claim(
                owner()
                    .set_attribute(reference("root"), CAMLI_ROOT, ROOT_NAME)
                    .set_attribute(reference("root"), CAMLI_NODE_TYPE, NODE_TYPE_DIRECTORY),
            ),
        ),
    ]
}

fn examples() -> Vec<(&'static str, String)> {
    let mut examples = vec![(
        "permanode",
        Permanode::new("6a8c1f0e3d2b4a59", reference("signer"))
            .unwrap()
            .to_canonical(),
    )];
    examples.extend(claim_examples());
    let directory = Directory {
        file_name: "docs".to_owned(),
        entries: reference("set"),
    };
    examples.push(("directory", directory.to_canonical()));
    let members = StaticSet::Members(vec![reference("file"), reference("subfolder")]);
    examples.push(("static-set", members.to_canonical()));
    let merge = StaticSet::MergeSets(vec![reference("subset 1"), reference("subset 2")]);
    examples.push(("static-set-merge", merge.to_canonical()));
    examples
}

/// The `json` block after the marker for `name` in SCHEMA.md.
fn documented(name: &str) -> Option<&'static str> {
    let start = SCHEMA_MD.find(&format!("{MARKER}{name} -->"))?;
    let rest = &SCHEMA_MD[start..];
    let block = &rest[rest.find("```json\n")? + "```json\n".len()..];
    Some(&block[..block.find("\n```")?])
}

#[test]
fn every_example_in_schema_md_is_what_strata_writes() {
    for (name, bytes) in examples() {
        let text = documented(name).unwrap_or_else(|| panic!("SCHEMA.md lacks {name}:\n{bytes}"));
        assert_eq!(text, bytes, "example {name}");
    }
}

#[test]
fn schema_md_has_no_example_without_a_test() {
    let names: Vec<&str> = examples().iter().map(|(name, _)| *name).collect();
    for (index, _) in SCHEMA_MD.match_indices(MARKER) {
        let rest = &SCHEMA_MD[index + MARKER.len()..];
        let name = &rest[..rest.find(" -->").expect("marker closes")];
        assert!(
            names.contains(&name),
            "SCHEMA.md example {name} has no test"
        );
    }
}
