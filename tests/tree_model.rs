//! Model-based test of the tree: long random sequences of put, mkdir,
//! move, delete, copy and restore, at increasing times, against a plain
//! model that keeps every claim and answers "the tree at T" by replaying
//! them with TREE.md's rules (cycle rule, visibility, suffix rule). After
//! every step, every folder's listing and every file's bytes are compared
//! at past times — claim dates, a nanosecond before them, and between
//! operations — and the same again after `reindex` and after reopening
//! the store.
//!
//! The default run takes a few seconds in debug; set
//! `STRATA_TREE_MODEL_SEEDS` and `STRATA_TREE_MODEL_STEPS` for long runs
//! (`STRATA_TREE_MODEL_SEED` replays one seed, printed on failure).

mod tree_support;

use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use strata::fs::{FsError, Tree, TreePath, display_name, latest};
use strata::index::Kind;
use strata::util::rfc3339::Timestamp;
use tree_support::{Fixture, time};

type NodeId = usize;
const ROOT: NodeId = 0;
const NAMES: [&str; 8] = ["a", "b.txt", "c", "d.txt", "e (2).txt", "f", "g.md", "h"];

/// splitmix64: a small, seedable generator.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[derive(Clone, Debug)]
enum Change {
    Place(NodeId, Option<(NodeId, String)>),
    Content(NodeId, Option<Rc<Vec<u8>>>),
    Folder(NodeId),
}

/// The tree at one moment: effective places (with the index of the claim
/// that set them), contents and folder kinds.
#[derive(Clone, Default)]
struct State {
    place: HashMap<NodeId, (NodeId, String, usize)>,
    content: HashMap<NodeId, Rc<Vec<u8>>>,
    folders: HashSet<NodeId>,
}

impl State {
    fn would_cycle(&self, node: NodeId, parent: NodeId) -> bool {
        let mut current = parent;
        loop {
            if current == node {
                return true;
            }
            match self.place.get(&current) {
                Some((next, _, _)) => current = *next,
                None => return false,
            }
        }
    }

    fn apply(&mut self, index: usize, changes: &[Change]) {
        for change in changes {
            match change {
                Change::Place(node, None) => {
                    self.place.remove(node);
                }
                Change::Place(node, Some((parent, name))) => {
                    if !self.would_cycle(*node, *parent) {
                        self.place.insert(*node, (*parent, name.clone(), index));
                    }
                }
                Change::Content(node, Some(bytes)) => {
                    self.content.insert(*node, bytes.clone());
                }
                Change::Content(node, None) => {
                    self.content.remove(node);
                }
                Change::Folder(node) => {
                    self.folders.insert(*node);
                }
            }
        }
    }

    fn is_folder(&self, node: NodeId) -> bool {
        node == ROOT || self.folders.contains(&node)
    }

    /// The children of `folder` as shown: (shown name, node), by name.
    fn listing(&self, folder: NodeId) -> Vec<(String, NodeId)> {
        let mut by_name: HashMap<&str, Vec<(usize, NodeId)>> = HashMap::new();
        for (node, (parent, name, since)) in &self.place {
            if *parent == folder {
                by_name.entry(name).or_default().push((*since, *node));
            }
        }
        let mut shown = Vec::new();
        for (name, mut group) in by_name {
            group.sort();
            for (rank, (_, node)) in group.into_iter().enumerate() {
                shown.push((display_name(name, rank + 1), node));
            }
        }
        shown.sort();
        shown
    }

    fn child_named(&self, folder: NodeId, name: &str) -> Option<NodeId> {
        let exact = self
            .place
            .iter()
            .filter(|(_, (parent, real, _))| *parent == folder && real == name)
            .min_by_key(|(node, (_, _, since))| (*since, **node));
        if let Some((node, _)) = exact {
            return Some(*node);
        }
        let listing = self.listing(folder);
        listing
            .into_iter()
            .find(|(shown, _)| shown == name)
            .map(|(_, node)| node)
    }

    fn resolve(&self, path: &[String]) -> Option<NodeId> {
        let mut node = ROOT;
        for name in path {
            if !self.is_folder(node) {
                return None;
            }
            node = self.child_named(node, name)?;
        }
        Some(node)
    }

    /// Visible nodes under `folder`, depth first, parents first, siblings
    /// by (name, since, node): the order `Tree::restore` walks.
    fn subtree(&self, folder: NodeId, out: &mut Vec<NodeId>) {
        let mut children: Vec<(&String, usize, NodeId)> = self
            .place
            .iter()
            .filter(|(_, (parent, _, _))| *parent == folder)
            .map(|(node, (_, name, since))| (name, *since, *node))
            .collect();
        children.sort();
        for (_, _, node) in children {
            out.push(node);
            if self.is_folder(node) {
                self.subtree(node, out);
            }
        }
    }

    /// Every visible path (names as shown), parents first.
    fn paths(&self, folder: NodeId, prefix: &[String], out: &mut Vec<(Vec<String>, NodeId)>) {
        for (name, node) in self.listing(folder) {
            let mut path = prefix.to_vec();
            path.push(name);
            out.push((path.clone(), node));
            if self.is_folder(node) {
                self.paths(node, &path, out);
            }
        }
    }
}

struct Model {
    claims: Vec<(Timestamp, Vec<Change>)>,
    current: State,
    next_node: NodeId,
    last_date: Timestamp,
    /// The clock for the operation under way.
    now: Timestamp,
}

impl Model {
    fn new(start: Timestamp) -> Model {
        let mut model = Model {
            claims: Vec::new(),
            current: State::default(),
            next_node: 1,
            last_date: start,
            now: start,
        };
        model.claims.push((start, vec![Change::Folder(ROOT)]));
        model.current.folders.insert(ROOT);
        model
    }

    fn claim(&mut self, changes: Vec<Change>) {
        let date = if self.now > self.last_date {
            self.now
        } else {
            self.last_date.next_nanosecond().unwrap()
        };
        self.last_date = date;
        self.current.apply(self.claims.len(), &changes);
        self.claims.push((date, changes));
    }

    fn new_node(&mut self) -> NodeId {
        self.next_node += 1;
        self.next_node - 1
    }

    fn state_at(&self, at: Timestamp) -> State {
        let mut state = State::default();
        state.folders.insert(ROOT);
        for (index, (date, changes)) in self.claims.iter().enumerate() {
            if *date > at {
                break;
            }
            state.apply(index, changes);
        }
        state
    }

    fn mkdir_all(&mut self, path: &[String]) -> Option<NodeId> {
        let mut folder = ROOT;
        for name in path {
            folder = match self.current.child_named(folder, name) {
                Some(node) if self.current.is_folder(node) => node,
                Some(_) => return None,
                None => {
                    let node = self.new_node();
                    let place = Change::Place(node, Some((folder, name.clone())));
                    self.claim(vec![Change::Folder(node), place]);
                    node
                }
            };
        }
        Some(folder)
    }

    fn put(&mut self, path: &[String], bytes: Rc<Vec<u8>>) -> Option<()> {
        let (name, parent) = path.split_last()?;
        let folder = self.mkdir_all(parent)?;
        match self.current.child_named(folder, name) {
            Some(node) if self.current.is_folder(node) => None,
            Some(node) if self.current.content.get(&node) == Some(&bytes) => Some(()),
            Some(node) => {
                self.claim(vec![Change::Content(node, Some(bytes))]);
                Some(())
            }
            None => {
                let node = self.new_node();
                let place = Change::Place(node, Some((folder, name.clone())));
                self.claim(vec![place, Change::Content(node, Some(bytes))]);
                Some(())
            }
        }
    }

    /// The folder and name a move or copy of `node` to `to` goes to.
    fn target(&self, node: NodeId, to: &[String]) -> Option<(NodeId, String)> {
        let (name, parent) = to.split_last()?;
        let folder = self.current.resolve(parent)?;
        if !self.current.is_folder(folder) {
            return None;
        }
        if self
            .current
            .child_named(folder, name)
            .is_some_and(|other| other != node)
        {
            return None;
        }
        (!self.current.would_cycle(node, folder)).then(|| (folder, name.clone()))
    }

    fn move_node(&mut self, from: &[String], to: &[String]) -> Option<()> {
        let node = self.current.resolve(from).filter(|node| *node != ROOT)?;
        let (folder, name) = self.target(node, to)?;
        self.claim(vec![Change::Place(node, Some((folder, name)))]);
        Some(())
    }

    fn delete(&mut self, path: &[String]) -> Option<()> {
        let node = self.current.resolve(path).filter(|node| *node != ROOT)?;
        self.claim(vec![Change::Place(node, None)]);
        Some(())
    }

    fn copy(&mut self, from: &[String], to: &[String]) -> Option<()> {
        let node = self.current.resolve(from).filter(|node| *node != ROOT)?;
        let (folder, name) = self.target(node, to)?;
        if self.current.child_named(folder, &name).is_some() {
            return None;
        }
        self.copy_node(node, folder, name);
        Some(())
    }

    fn copy_node(&mut self, source: NodeId, folder: NodeId, name: String) {
        let node = self.new_node();
        let mut changes = vec![Change::Place(node, Some((folder, name)))];
        let is_folder = self.current.is_folder(source);
        if is_folder {
            changes.push(Change::Folder(node));
        }
        if let Some(bytes) = self.current.content.get(&source) {
            changes.push(Change::Content(node, Some(bytes.clone())));
        }
        self.claim(changes);
        if is_folder {
            for (shown, child) in self.current.listing(source) {
                self.copy_node(child, node, shown);
            }
        }
    }

    /// The restore's changes, or None when the path is absent at `at`.
    /// `Some(None)`: a restore the model does not replay (it would place
    /// two nodes with one name in one folder by one claim, whose order
    /// TREE.md leaves to the refs).
    fn restore(&mut self, path: &[String], at: Timestamp) -> Option<Option<()>> {
        let then = self.state_at(at);
        let node = then.resolve(path)?;
        let mut wanted = Vec::new();
        if node != ROOT {
            wanted.push(node);
        }
        if then.is_folder(node) {
            then.subtree(node, &mut wanted);
        }
        let mut changes = Vec::new();
        let mut placed = HashSet::new();
        for member in &wanted {
            let (parent, name, _) = then.place[member].clone();
            let now_place = self
                .current
                .place
                .get(member)
                .map(|(p, n, _)| (*p, n.clone()));
            if now_place != Some((parent, name.clone())) {
                if !placed.insert((parent, name.clone())) {
                    return Some(None);
                }
                changes.push(Change::Place(*member, Some((parent, name))));
            }
            let content = then.content.get(member).cloned();
            if self.current.content.get(member) != content.as_ref() {
                changes.push(Change::Content(*member, content));
            }
        }
        if then.is_folder(node) {
            let kept: HashSet<NodeId> = wanted.iter().copied().collect();
            let mut now = Vec::new();
            self.current.subtree(node, &mut now);
            for member in now.into_iter().filter(|member| !kept.contains(member)) {
                changes.push(Change::Place(member, None));
            }
        }
        if !changes.is_empty() {
            self.claim(changes);
        }
        Some(Some(()))
    }
}

fn tree_path(names: &[String]) -> TreePath {
    let mut path = TreePath::root();
    for name in names {
        path = path.join(name);
    }
    path
}

/// Compares every visible folder and file at `at`.
fn compare(fixture: &Fixture, model: &Model, at: Timestamp, context: &str) {
    let state = model.state_at(at);
    let mut folders = vec![(Vec::<String>::new(), ROOT)];
    while let Some((path, folder)) = folders.pop() {
        let expected: Vec<(String, Kind, Vec<u8>)> = state
            .listing(folder)
            .into_iter()
            .map(|(name, node)| {
                let kind = if state.is_folder(node) {
                    Kind::Folder
                } else {
                    Kind::File
                };
                let bytes = state
                    .content
                    .get(&node)
                    .map(|b| b.to_vec())
                    .unwrap_or_default();
                (name, kind, bytes)
            })
            .collect();
        let entries = fixture
            .tree
            .list(&tree_path(&path), at)
            .unwrap_or_else(|error| panic!("{context}: list /{} at {at}: {error}", path.join("/")));
        let actual: Vec<(String, Kind, Vec<u8>)> = entries
            .iter()
            .map(|entry| {
                let bytes = entry.content.map(|c| fixture.bytes_of(&c, entry.size));
                (entry.name.clone(), entry.kind, bytes.unwrap_or_default())
            })
            .collect();
        assert_eq!(
            actual,
            expected,
            "{context}: folder /{} at {at}",
            path.join("/")
        );
        for (name, node) in state.listing(folder) {
            let mut child = path.clone();
            child.push(name);
            if state.is_folder(node) {
                folders.push((child, node));
            }
        }
    }
}

fn random_bytes(random: &mut Random) -> Rc<Vec<u8>> {
    match random.below(4) {
        0 => Rc::new(b"same".to_vec()),
        1 => Rc::new(Vec::new()),
        _ => Rc::new(
            (0..random.below(300))
                .map(|_| random.next() as u8)
                .collect(),
        ),
    }
}

/// A path: usually an existing one (as shown), sometimes extended by new
/// names, sometimes made up.
fn random_path(random: &mut Random, state: &State, allow_root: bool) -> Vec<String> {
    let mut known = Vec::new();
    state.paths(ROOT, &[], &mut known);
    let mut path = match known.len() {
        0 => Vec::new(),
        count if random.below(5) > 0 => known[random.below(count)].0.clone(),
        _ => Vec::new(),
    };
    for _ in 0..random.below(2) {
        path.push((*random.pick(&NAMES)).to_owned());
    }
    if path.is_empty() && !allow_root {
        path.push((*random.pick(&NAMES)).to_owned());
    }
    path
}

/// A path in an existing folder (as shown), with a random last name.
fn random_target(random: &mut Random, state: &State) -> Vec<String> {
    let mut known = vec![(Vec::new(), ROOT)];
    state.paths(ROOT, &[], &mut known);
    known.retain(|(_, node)| state.is_folder(*node));
    let mut path = known[random.below(known.len())].0.clone();
    path.push((*random.pick(&NAMES)).to_owned());
    path
}

/// What one operation did: its description, whether the model allows
/// it, and the tree's answer.
type Outcome = (String, Option<()>, Result<(), FsError>);

/// A random put, mkdir, move, delete or copy on both.
fn change_step(random: &mut Random, tree: &Tree, model: &mut Model) -> Outcome {
    let state = model.current.clone();
    match random.below(10) {
        0..=3 => {
            let path = if random.below(2) == 0 {
                random_target(random, &state)
            } else {
                random_path(random, &state, false)
            };
            let bytes = random_bytes(random);
            let actual = tree.put_file(&tree_path(&path), &bytes[..]).map(|_| ());
            let description = format!("put {path:?} ({} bytes)", bytes.len());
            (description, model.put(&path, bytes), actual)
        }
        4 | 5 => {
            let path = random_path(random, &state, true);
            let actual = tree.mkdir(&tree_path(&path)).map(|_| ());
            let expected = model.mkdir_all(&path).map(|_| ());
            (format!("mkdir {path:?}"), expected, actual)
        }
        6 | 7 => {
            let from = random_path(random, &state, false);
            let to = random_target(random, &state);
            let actual = tree.move_node(&tree_path(&from), &tree_path(&to), false);
            let expected = model.move_node(&from, &to);
            (
                format!("move {from:?} {to:?}"),
                expected,
                actual.map(|_| ()),
            )
        }
        8 => {
            let path = random_path(random, &state, false);
            let actual = tree.delete(&tree_path(&path)).map(|_| ());
            (format!("delete {path:?}"), model.delete(&path), actual)
        }
        _ => {
            let from = random_path(random, &state, false);
            let to = random_target(random, &state);
            let actual = tree.copy(&tree_path(&from), &tree_path(&to)).map(|_| ());
            (
                format!("copy {from:?} {to:?}"),
                model.copy(&from, &to),
                actual,
            )
        }
    }
}

/// A random restore on both; None when the model skips it.
fn restore_step(
    random: &mut Random,
    tree: &Tree,
    model: &mut Model,
    op_times: &[Timestamp],
) -> Result<Outcome, String> {
    let at = *random.pick(op_times);
    let then = model.state_at(at);
    let path = random_path(random, &then, true);
    let description = format!("restore {path:?} to {at}");
    match model.restore(&path, at) {
        Some(None) => Err(format!("{description} (skipped: same-name tie)")),
        expected => {
            let actual = tree.restore(&tree_path(&path), at).map(|_| ());
            Ok((description, expected.map(|_| ()), actual))
        }
    }
}

/// One random operation on both; returns a description.
fn step(
    random: &mut Random,
    fixture: &Fixture,
    model: &mut Model,
    op_times: &[Timestamp],
) -> String {
    let tree: &Tree = &fixture.tree;
    let (description, expected, actual) = if random.below(6) == 0 {
        match restore_step(random, tree, model, op_times) {
            Ok(outcome) => outcome,
            Err(skipped) => return skipped,
        }
    } else {
        change_step(random, tree, model)
    };
    assert_eq!(
        actual.is_ok(),
        expected.is_some(),
        "{description}: tree said {actual:?}"
    );
    description
}

/// Times worth checking: each claim's date, a nanosecond before it, and
/// between operations.
fn check_times(model: &Model) -> Vec<Timestamp> {
    let mut times = Vec::new();
    for (date, _) in &model.claims {
        times.push(*date);
        times.push(Timestamp::new(date.unix_seconds(), date.nanos()).unwrap());
        if date.nanos() > 0 {
            times.push(Timestamp::new(date.unix_seconds(), date.nanos() - 1).unwrap());
        } else {
            times.push(Timestamp::new(date.unix_seconds() - 1, 999_999_999).unwrap());
        }
        times.push(Timestamp::new(date.unix_seconds(), 500_000_000).unwrap());
    }
    times.push(latest());
    times.sort();
    times.dedup();
    times
}

fn run(seed: u64, steps: usize) {
    let start = time(1_000_000);
    let mut fixture = Fixture::new(start);
    let mut model = Model::new(start);
    let mut random = Random(seed);
    let mut op_times = vec![start];
    let mut log = Vec::new();
    for index in 0..steps {
        let now = time(1_000_000 + 10 * (index as i64 + 1));
        fixture.set_time(now);
        model.now = now;
        log.push(step(&mut random, &fixture, &mut model, &op_times));
        op_times.push(now);
        let context = format!("seed {seed} step {index}: {}", log.join("; "));
        let times = check_times(&model);
        for _ in 0..4 {
            compare(&fixture, &model, *random.pick(&times), &context);
        }
        compare(&fixture, &model, latest(), &context);
    }
    eprintln!(
        "seed {seed}: {} claims; last steps: {:?}",
        model.claims.len(),
        &log[log.len().saturating_sub(8)..]
    );
    let context = format!("seed {seed} after all steps");
    let times = check_times(&model);
    for at in &times {
        compare(&fixture, &model, *at, &context);
    }
    fixture.tree.reindex().unwrap();
    for at in &times {
        compare(&fixture, &model, *at, &format!("{context}, reindexed"));
    }
    fixture = fixture.reopen();
    for at in &times {
        compare(&fixture, &model, *at, &format!("{context}, reopened"));
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(default)
}

#[test]
fn random_operations_match_the_replayed_model_at_every_time() {
    let steps = env_number("STRATA_TREE_MODEL_STEPS", 120) as usize;
    if let Ok(seed) = std::env::var("STRATA_TREE_MODEL_SEED") {
        run(seed.parse().expect("a number"), steps);
        return;
    }
    for seed in 0..env_number("STRATA_TREE_MODEL_SEEDS", 4) {
        eprintln!("seed {seed}");
        run(seed, steps);
    }
}
