//! Where a running server can be reached, written into its data folder
//! (`DATA/server-url`) when `strata serve` starts listening, so a command
//! that finds the folder's store held can say which `--server URL` to
//! give instead.
//!
//! The file is a hint, never trusted for anything else: it is read only
//! when the store's lock says a process holds it (a stale file left by a
//! killed server is never shown, as nothing holds the lock then).

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};

/// The file's name in the data folder.
pub const SERVER_URL_FILE: &str = "server-url";
/// The longest URL read back.
const URL_BYTES_MAX: u64 = 1024;

fn file(data: &Path) -> PathBuf {
    data.join(SERVER_URL_FILE)
}

/// The URL a client on this machine uses for a server listening on
/// `address` (a wildcard address is reached on loopback).
pub fn url_of(address: SocketAddr) -> String {
    let ip = match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}/", SocketAddr::new(ip, address.port()))
}

/// Records that the server of `data` listens on `address` (written to a
/// temporary file, then renamed over the old one: a reader sees a whole
/// URL or the previous one).
pub fn record(data: &Path, address: SocketAddr) -> io::Result<()> {
    let temporary = data.join(format!("{SERVER_URL_FILE}.tmp"));
    let mut out = std::fs::File::create(&temporary)?;
    writeln!(out, "{}", url_of(address))?;
    drop(out);
    std::fs::rename(&temporary, file(data))
}

/// The URL recorded in `data`, if one is there and reads as one.
pub fn recorded(data: &Path) -> Option<String> {
    use std::io::Read;
    let mut text = String::new();
    let opened = std::fs::File::open(file(data)).ok()?;
    opened.take(URL_BYTES_MAX).read_to_string(&mut text).ok()?;
    let url = text.trim();
    let plausible = url.starts_with("http://") && url.bytes().all(|b| b.is_ascii_graphic());
    plausible.then(|| url.to_owned())
}

/// What to tell a user whose command found the store of `data` held by
/// another process: most often the folder's server, reached with the
/// URL it recorded (else the default address `serve` listens on).
pub fn held_message(data: &Path) -> String {
    let url = recorded(data).unwrap_or_else(|| DEFAULT_URL.to_owned());
    format!(
        "the data folder {} is held by another process: if it is a running strata server, \
         go through it with --server {url} (the owner token in STRATA_TOKEN); else stop \
         that process to work on the folder directly",
        data.display()
    )
}

/// Where `strata serve` listens by default.
pub const DEFAULT_URL: &str = "http://127.0.0.1:3179/";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_url_reads_back_and_wildcards_become_loopback() {
        let data = std::env::temp_dir().join(format!("strata-record-{}", std::process::id()));
        std::fs::create_dir_all(&data).unwrap();
        assert_eq!(recorded(&data), None);
        record(&data, "0.0.0.0:3179".parse().unwrap()).unwrap();
        assert_eq!(recorded(&data).as_deref(), Some("http://127.0.0.1:3179/"));
        assert!(held_message(&data).contains("--server http://127.0.0.1:3179/"));
        record(&data, "[::]:80".parse().unwrap()).unwrap();
        assert_eq!(recorded(&data).as_deref(), Some("http://[::1]:80/"));
        std::fs::remove_dir_all(&data).unwrap();
    }
}
