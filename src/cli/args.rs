//! A small command-line flag parser: `--name value`, `--name=value` and
//! boolean `--name`, with `--help` text generated from the same table, and
//! errors that name the bad flag and point to `--help`.

use std::collections::HashMap;
use std::time::Duration;

/// One flag a command takes.
pub struct Flag {
    pub name: &'static str,
    /// What the value looks like (`DIR`, `ADDR`…); `None` for a switch.
    pub value: Option<&'static str>,
    /// The default, shown in `--help`.
    pub default: Option<&'static str>,
    pub help: &'static str,
}

/// The data folder, a flag of every command that works on one.
pub const DATA_FLAG: Flag = Flag {
    name: "data",
    value: Some("DIR"),
    default: Some("./strata-data"),
    help: "data folder",
};

/// A command: its name, one-line summary, positional arguments and flags.
pub struct Command {
    pub name: &'static str,
    pub summary: &'static str,
    pub positionals: &'static str,
    pub flags: &'static [Flag],
}

/// A command line that does not fit its command.
#[derive(Debug, PartialEq, Eq)]
pub struct ArgError(pub String);

/// Parsed flags and positional arguments.
#[derive(Debug, Default)]
pub struct Parsed {
    values: HashMap<&'static str, String>,
    /// Every value given, in order (a flag given twice has two).
    given: Vec<(&'static str, String)>,
    pub positionals: Vec<String>,
    pub help: bool,
}

impl Command {
    /// The `--help` text.
    pub fn help(&self) -> String {
        let mut text = format!("{}\n\nUsage: strata {}", self.summary, self.name);
        if !self.flags.is_empty() {
            text.push_str(" [FLAGS]");
        }
        if !self.positionals.is_empty() {
            text.push(' ');
            text.push_str(self.positionals);
        }
        text.push_str("\n\nFlags:\n");
        for flag in self.flags {
            let left = match flag.value {
                Some(value) => format!("--{} {value}", flag.name),
                None => format!("--{}", flag.name),
            };
            let default = flag
                .default
                .map(|d| format!(" (default: {d})"))
                .unwrap_or_default();
            text.push_str(&format!("  {left:<34} {}{default}\n", flag.help));
        }
        text.push_str(&format!("  {:<34} show this help\n", "--help"));
        text
    }

    /// Parses `args` (after the command name).
    pub fn parse(&self, args: &[String]) -> Result<Parsed, ArgError> {
        let mut parsed = Parsed::default();
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            if arg == "--help" || arg == "-h" {
                parsed.help = true;
                continue;
            }
            let Some(body) = arg.strip_prefix("--") else {
                if arg.starts_with('-') && arg.len() > 1 {
                    return Err(self.error(&format!("unknown flag {arg}")));
                }
                parsed.positionals.push(arg.clone());
                continue;
            };
            let (name, inline) = match body.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (body, None),
            };
            let flag = self.flags.iter().find(|f| f.name == name);
            let flag = flag.ok_or_else(|| self.error(&format!("unknown flag --{name}")))?;
            let value = match (flag.value, inline) {
                (None, None) => "true".to_string(),
                (None, Some(_)) => return Err(self.error(&format!("--{name} takes no value"))),
                (Some(_), Some(value)) => value,
                (Some(kind), None) => rest
                    .next()
                    .cloned()
                    .ok_or_else(|| self.error(&format!("--{name} needs a value ({kind})")))?,
            };
            parsed.given.push((flag.name, value.clone()));
            parsed.values.insert(flag.name, value);
        }
        Ok(parsed)
    }

    /// An error for this command that points to its help.
    pub fn error(&self, message: &str) -> ArgError {
        ArgError(format!(
            "strata {}: {message}; see 'strata {} --help'",
            self.name, self.name
        ))
    }
}

impl Parsed {
    /// The flag's value, or its default.
    pub fn get(&self, command: &Command, name: &str) -> Option<String> {
        if let Some(value) = self.values.get(name) {
            return Some(value.clone());
        }
        let flag = command.flags.iter().find(|f| f.name == name);
        flag.expect("flag declared").default.map(str::to_string)
    }

    /// Every value of a repeatable flag, in the order given.
    pub fn all(&self, name: &str) -> Vec<String> {
        let given = self.given.iter().filter(|(flag, _)| *flag == name);
        given.map(|(_, value)| value.clone()).collect()
    }

    /// Was the switch given?
    pub fn switch(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The flag as a number of bytes (`4096`, `64KiB`, `1MiB`, `2GiB`).
    pub fn bytes(&self, command: &Command, name: &str) -> Result<u64, ArgError> {
        let text = self.get(command, name).unwrap_or_default();
        parse_bytes(&text).ok_or_else(|| command.error(&format!("--{name}: not a size: {text:?}")))
    }

    /// The flag as a count.
    pub fn count(&self, command: &Command, name: &str) -> Result<usize, ArgError> {
        let text = self.get(command, name).unwrap_or_default();
        let count = text.parse::<usize>().ok().filter(|&n| n > 0);
        count.ok_or_else(|| command.error(&format!("--{name}: not a positive number: {text:?}")))
    }

    /// The flag as a duration (`10s`, `500ms`, `2m`; a bare number is seconds).
    pub fn duration(&self, command: &Command, name: &str) -> Result<Duration, ArgError> {
        let text = self.get(command, name).unwrap_or_default();
        let parsed = parse_duration(&text);
        parsed.ok_or_else(|| command.error(&format!("--{name}: not a duration: {text:?}")))
    }
}

/// Parses a size with an optional binary unit.
pub fn parse_bytes(text: &str) -> Option<u64> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let number: u64 = text.get(..digits)?.parse().ok()?;
    let multiplier: u64 = match &text[digits..] {
        "" | "B" => 1,
        "K" | "KiB" => 1 << 10,
        "M" | "MiB" => 1 << 20,
        "G" | "GiB" => 1 << 30,
        _ => return None,
    };
    number.checked_mul(multiplier)
}

/// Parses a duration with a unit of ms, s or m (bare numbers are seconds).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let number: u64 = text.get(..digits)?.parse().ok()?;
    let duration = match &text[digits..] {
        "ms" => Duration::from_millis(number),
        "" | "s" => Duration::from_secs(number),
        "m" => Duration::from_secs(number.checked_mul(60)?),
        _ => return None,
    };
    (!duration.is_zero()).then_some(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMAND: Command = Command {
        name: "demo",
        summary: "A demo.",
        positionals: "FILE…",
        flags: &[
            Flag {
                name: "data",
                value: Some("DIR"),
                default: Some("./d"),
                help: "where",
            },
            Flag {
                name: "verbose",
                value: None,
                default: None,
                help: "talk",
            },
        ],
    };

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_take_values_both_ways_and_defaults_apply() {
        let parsed = COMMAND
            .parse(&args(&["--data", "x", "a", "--verbose"]))
            .unwrap();
        assert_eq!(parsed.get(&COMMAND, "data").as_deref(), Some("x"));
        assert!(parsed.switch("verbose"));
        assert_eq!(parsed.positionals, ["a"]);
        let parsed = COMMAND.parse(&args(&["--data=y"])).unwrap();
        assert_eq!(parsed.get(&COMMAND, "data").as_deref(), Some("y"));
        let parsed = COMMAND.parse(&[]).unwrap();
        assert_eq!(parsed.get(&COMMAND, "data").as_deref(), Some("./d"));
    }

    #[test]
    fn a_wrong_flag_names_itself_and_points_to_help() {
        let error = COMMAND.parse(&args(&["--dtaa", "x"])).unwrap_err();
        assert_eq!(
            error.0,
            "strata demo: unknown flag --dtaa; see 'strata demo --help'"
        );
        let error = COMMAND.parse(&args(&["--data"])).unwrap_err();
        assert!(
            error.0.contains("--data needs a value (DIR)"),
            "{}",
            error.0
        );
        assert!(COMMAND.parse(&args(&["--verbose=1"])).is_err());
        assert!(COMMAND.parse(&args(&["-x"])).is_err());
    }

    #[test]
    fn help_lists_every_flag_with_its_default() {
        let help = COMMAND.help();
        assert!(help.contains("--data DIR"), "{help}");
        assert!(help.contains("(default: ./d)"), "{help}");
        assert!(help.contains("--verbose"), "{help}");
    }

    #[test]
    fn sizes_and_durations_parse_with_units() {
        assert_eq!(parse_bytes("8KiB"), Some(8192));
        assert_eq!(parse_bytes("1M"), Some(1 << 20));
        assert_eq!(parse_bytes("12"), Some(12));
        assert_eq!(parse_bytes("1.5K"), None);
        assert_eq!(parse_bytes("KiB"), None);
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("10"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("0s"), None);
        assert_eq!(parse_duration("5h"), None);
    }
}
