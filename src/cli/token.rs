//! `strata token`: manages the owner's token.

use std::path::PathBuf;

use super::Failure;
use super::args::{Command, DATA_FLAG, Flag, Parsed};
use crate::web::{credentials, session};

pub const COMMAND: Command = Command {
    name: "token",
    summary: "Manage the owner token: --reset makes a new one and prints it.",
    positionals: "",
    flags: &[
        DATA_FLAG,
        Flag {
            name: "reset",
            value: None,
            default: None,
            help: "make a new token (the old one stops working)",
        },
    ],
};

/// Runs `strata token`.
pub fn run(parsed: &Parsed) -> Result<(), Failure> {
    if !parsed.switch("reset") {
        return Err(COMMAND.error("say what to do: --reset").into());
    }
    let data = PathBuf::from(parsed.get(&COMMAND, "data").unwrap_or_default());
    if !data.is_dir() {
        let message = format!(
            "no data folder at {}; start 'strata serve' first",
            data.display()
        );
        return Err(Failure::Runtime(message));
    }
    let token = credentials::reset(&data)
        .map_err(|e| Failure::Runtime(format!("cannot reset the token: {e}")))?;
    session::revoke_all(&data)
        .map_err(|e| Failure::Runtime(format!("cannot end the browser sessions: {e}")))?;
    println!("owner token: {token}");
    println!("  (shown once: keep it; a running server accepts it within a second,");
    println!("   and every browser session is signed out)");
    Ok(())
}
