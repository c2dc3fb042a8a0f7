//! The command line: `strata COMMAND [FLAGS]`. Every command answers
//! `--help`; a wrong flag names itself and points to `--help`.

pub mod args;
mod cat;
pub mod client;
mod deferred_backend;
mod fsck;
mod fsck_index;
pub mod get;
mod import;
mod import_direct;
mod import_server;
mod import_sink;
mod local_tree;
mod log;
mod ls;
pub mod publish;
pub mod put;
mod reindex;
pub mod remote_tree;
pub mod sender;
mod serve;
pub mod server_record;
mod token;

use args::{ArgError, Command};

/// Why a command failed: a usage error (exit code 2) or a failure while
/// running (exit code 1). Messages are printed after `strata COMMAND: `.
#[derive(Debug)]
pub enum Failure {
    Usage(String),
    Runtime(String),
}

impl From<ArgError> for Failure {
    fn from(error: ArgError) -> Failure {
        Failure::Usage(error.0)
    }
}

const COMMANDS: &[&Command] = &[
    &serve::COMMAND,
    &put::COMMAND,
    &get::COMMAND,
    &token::COMMAND,
    &fsck::COMMAND,
    &import::COMMAND,
    &publish::COMMAND,
    &ls::COMMAND,
    &cat::COMMAND,
    &log::COMMAND,
    &reindex::COMMAND,
];

/// Short flags, as (command, short, long): `strata get REF -o FILE`.
const SHORT_FLAGS: &[(&str, &str, &str)] = &[("get", "-o", "--output")];

/// `args` with each short flag of `command` spelt long.
fn long_flags(command: &str, args: &[String]) -> Vec<String> {
    let long = |arg: &String| {
        let found = SHORT_FLAGS
            .iter()
            .find(|(name, short, _)| *name == command && arg == short);
        found.map_or_else(|| arg.clone(), |(_, _, long)| long.to_string())
    };
    args.iter().map(long).collect()
}

fn usage() -> String {
    let mut text = format!(
        "strata {}: your files and website, with every past version.\n\n\
         Usage: strata COMMAND [FLAGS]\n\nCommands:\n",
        crate::web::VERSION
    );
    for command in COMMANDS {
        text.push_str(&format!("  {:<10} {}\n", command.name, command.summary));
    }
    text.push_str("\nFlags:\n  --help     show this help (also: strata COMMAND --help)\n");
    text.push_str("  --version  print the version\n");
    text
}

/// Runs the command line `args` (without the program name); returns the
/// process exit code: 0 on success, 2 for a usage error, 1 otherwise.
pub fn run(args: &[String]) -> i32 {
    let Some(first) = args.first() else {
        eprint!("{}", usage());
        return 2;
    };
    match first.as_str() {
        "--help" | "-h" | "help" => {
            print!("{}", usage());
            return 0;
        }
        "--version" | "-V" | "version" => {
            println!("strata {}", crate::web::VERSION);
            return 0;
        }
        _ => {}
    }
    let Some(command) = COMMANDS.iter().find(|c| c.name == first) else {
        eprintln!("strata: unknown command {first:?}; see 'strata --help'");
        return 2;
    };
    let parsed = match command.parse(&long_flags(command.name, &args[1..])) {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("{}", error.0);
            return 2;
        }
    };
    if parsed.help {
        print!("{}", command.help());
        return 0;
    }
    let result = match command.name {
        "serve" => serve::run(&parsed),
        "put" => put::run(&parsed),
        "get" => get::run(&parsed),
        "token" => token::run(&parsed),
        "fsck" => fsck::run(&parsed),
        "import" => import::run(&parsed),
        "publish" => publish::run(&parsed),
        "ls" => ls::run(&parsed),
        "cat" => cat::run(&parsed),
        "log" => log::run(&parsed),
        "reindex" => reindex::run(&parsed),
        _ => unreachable!("every command in COMMANDS is dispatched"),
    };
    match result {
        Ok(()) => 0,
        Err(Failure::Usage(message)) => {
            eprintln!("{message}");
            2
        }
        Err(Failure::Runtime(message)) => {
            eprintln!("strata {}: {message}", command.name);
            1
        }
    }
}
