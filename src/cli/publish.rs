//! `strata publish DIR`: makes the store folder `/site` mirror DIR (an
//! import that also deletes what DIR lacks, as claims: `import.rs`), then
//! records a publish, so `/` serves the new site at once and whole.
//! `strata publish --rollback [N]` goes back to the publish before the
//! current one (or to publish N); `strata publish --list` shows them.
//!
//! Through a running server (`--server URL`: `import_server.rs`, then
//! `POST /api/site/publish`, `POST /api/site/rollback[?to=N]`,
//! `GET /api/site`; API.md, "The site API") or on the data folder directly
//! (`import_direct.rs`, then `site::publish`'s functions).
//!
//! A publish names a moment of the tree: everything imported before it is
//! in it, and nothing else. A failed import publishes nothing.

use super::Failure;
use super::args::{Command, DATA_FLAG, Flag, Parsed};
use super::client::Client;
use super::import::{self, Tally};
use super::local_tree::{self, SERVER_FLAG};
use super::remote_tree::call_strict;
use super::server_record;
use crate::fs::TreePath;
use crate::util::json::Value;
use std::path::PathBuf;
use std::time::Instant;

/// The store folder the website is served from.
pub const SITE_FOLDER: &str = "/site";

pub const COMMAND: Command = Command {
    name: "publish",
    summary: "Make /site mirror a folder and publish it (or --rollback, --list).",
    positionals: "DIR | --rollback [N] | --list",
    flags: &[
        SERVER_FLAG,
        DATA_FLAG,
        Flag {
            name: "rollback",
            value: None,
            default: None,
            help: "serve the publish before the current one again (or publish N)",
        },
        Flag {
            name: "list",
            value: None,
            default: None,
            help: "list the publishes, newest first (* marks the one served)",
        },
    ],
};

/// One publish, as printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    pub number: u64,
    /// When it was made (RFC 3339).
    pub published: String,
    /// The moment of the tree it serves (RFC 3339).
    pub at: String,
}

/// What the command was asked to do.
enum Action {
    Publish(PathBuf),
    Rollback(Option<u64>),
    List,
}

/// Runs `strata publish`.
pub fn run(parsed: &Parsed) -> Result<(), Failure> {
    let action = action(parsed)?;
    let client = local_tree::target_lazily(parsed, &COMMAND)?;
    let data = local_tree::data_folder(parsed, &COMMAND);
    match client {
        Some(mut client) => server::run(&mut client, action),
        None => direct::run(&data, action),
    }
}

fn action(parsed: &Parsed) -> Result<Action, Failure> {
    let usage = |message: &str| Failure::from(COMMAND.error(message));
    match (parsed.switch("rollback"), parsed.switch("list")) {
        (true, true) => Err(usage("--rollback and --list do not go together")),
        (false, true) if parsed.positionals.is_empty() => Ok(Action::List),
        (false, true) => Err(usage("--list takes no DIR")),
        (true, false) => match parsed.positionals.as_slice() {
            [] => Ok(Action::Rollback(None)),
            [number] => number
                .parse::<u64>()
                .map(|number| Action::Rollback(Some(number)))
                .map_err(|_| usage(&format!("--rollback N: not a publish number: {number:?}"))),
            _ => Err(usage("--rollback takes at most one N")),
        },
        (false, false) => match parsed.positionals.as_slice() {
            [dir] => {
                let dir = PathBuf::from(dir);
                import::check_source(&dir)?;
                Ok(Action::Publish(dir))
            }
            _ => Err(usage("name the folder to publish (DIR)")),
        },
    }
}

fn site() -> TreePath {
    TreePath::parse(SITE_FOLDER).expect("the site folder is a tree path")
}

fn print_import(tally: &Tally, started: Instant) {
    let seconds = started.elapsed().as_secs_f64();
    println!("publish: {SITE_FOLDER} now mirrors the folder: {tally} in {seconds:.2} s");
}

fn print_list(live: bool, current: Option<u64>, publishes: &[Published]) {
    if publishes.is_empty() {
        println!("no publishes yet");
    }
    for publish in publishes {
        let mark = if Some(publish.number) == current {
            "*"
        } else {
            " "
        };
        println!(
            "{mark} #{:<5} published {}  serves the site as of {}",
            publish.number, publish.published, publish.at
        );
    }
    if live {
        println!("(the site is live: / serves {SITE_FOLDER} as it is now, not a publish)");
    }
}

/// Through a running server.
mod server {
    use super::*;

    pub fn run(client: &mut Client, action: Action) -> Result<(), Failure> {
        let site_url = format!("{}", client.server());
        match action {
            Action::Publish(dir) => {
                let started = Instant::now();
                let (tally, transfer) =
                    super::super::import_server::import(client, &dir, &site(), true)?;
                println!("publish: {transfer}");
                print_import(&tally, started);
                let made = post(client, "/api/site/publish")?;
                println!(
                    "published #{} (the site as of {}): {site_url}",
                    made.number, made.at
                );
            }
            Action::Rollback(to) => {
                let target = match to {
                    Some(number) => format!("/api/site/rollback?to={number}"),
                    None => "/api/site/rollback".to_owned(),
                };
                let made = post(client, &target)?;
                println!(
                    "rolled back: publish #{} serves the site as of {}: {site_url}",
                    made.number, made.at
                );
            }
            Action::List => {
                let value = call_strict(client, "GET", "/api/site").map_err(Failure::Runtime)?;
                let live = value.get("live").and_then(Value::as_bool).unwrap_or(false);
                let current = value.get("current").and_then(|p| p.get("number"));
                let current = current.and_then(Value::as_u64);
                let list = value.get("publishes").and_then(Value::as_array);
                let list = list.unwrap_or_default();
                let publishes = list.iter().map(published).collect::<Result<Vec<_>, _>>()?;
                print_list(live, current, &publishes);
            }
        }
        Ok(())
    }

    /// A `POST` answered with a publish.
    fn post(client: &mut Client, target: &str) -> Result<Published, Failure> {
        let value = call_strict(client, "POST", target).map_err(Failure::Runtime)?;
        published(&value)
    }

    fn published(value: &Value) -> Result<Published, Failure> {
        let text = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
        let bad = || Failure::Runtime("a publish the client cannot read".to_owned());
        Ok(Published {
            number: value
                .get("number")
                .and_then(Value::as_u64)
                .ok_or_else(bad)?,
            published: text("published").ok_or_else(bad)?,
            at: text("at").ok_or_else(bad)?,
        })
    }
}

/// On the data folder directly.
mod direct {
    use super::*;
    use crate::site::publish as records;

    pub fn run(data: &std::path::Path, action: Action) -> Result<(), Failure> {
        let where_served = match server_record::recorded(data) {
            Some(url) => format!("served at {url} while the server runs"),
            None => "served at / by 'strata serve'".to_owned(),
        };
        match action {
            Action::Publish(dir) => {
                let started = Instant::now();
                let tally = super::super::import_direct::import(data, &dir, &site(), true)?;
                print_import(&tally, started);
                let local = local_tree::open(data, true)?;
                let made = records::publish(&local.tree, None).map_err(fail)?;
                let made = shown(&made);
                println!(
                    "published #{} (the site as of {}): {where_served}",
                    made.number, made.at
                );
            }
            Action::Rollback(to) => {
                let local = local_tree::open(data, true)?;
                let made = shown(&records::rollback(&local.tree, to).map_err(fail)?);
                println!(
                    "rolled back: publish #{} serves the site as of {}: {where_served}",
                    made.number, made.at
                );
            }
            Action::List => {
                let local = local_tree::open(data, true)?;
                // Oldest first from the records; the last is in force.
                let list = records::list(&local.tree).map_err(fail)?;
                let publishes: Vec<Published> = list.iter().rev().map(shown).collect();
                let current = publishes.first().map(|publish| publish.number);
                print_list(false, current, &publishes);
            }
        }
        Ok(())
    }

    fn fail(error: crate::fs::FsError) -> Failure {
        Failure::Runtime(error.to_string())
    }

    fn shown(publish: &records::Publish) -> Published {
        Published {
            number: publish.number,
            published: publish.published.to_string(),
            at: publish.at.to_string(),
        }
    }
}
