//! The `strata` binary as a user runs it: help, version, flag errors, and
//! `serve` on a free port (the listening line, /healthz, /ui/, the site,
//! the access log).

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Wire, get};

fn strata(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .output()
        .unwrap()
}

/// A `strata serve` child, killed when dropped.
struct Served {
    child: Child,
    address: SocketAddr,
    folder: std::path::PathBuf,
    /// The token printed on first start, if one was.
    token: Option<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

fn serve(name: &str, extra: &[&str]) -> Served {
    let folder = std::env::temp_dir().join(format!("strata-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    serve_in(folder, extra, &[])
}

/// Starts `strata serve` on `folder/data`; reads its output up to the
/// listening line.
fn serve_in(folder: std::path::PathBuf, extra: &[&str], env: &[(&str, &str)]) -> Served {
    let data = folder.join("data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data",
            data.to_str().unwrap(),
        ])
        .args(extra)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut token = None;
    let address = loop {
        let line = lines.next().expect("serve printed its address").unwrap();
        if let Some(printed) = line.strip_prefix("owner token: ") {
            token = Some(printed.to_string());
        }
        if let Some(rest) = line.strip_prefix("listening on http://") {
            break rest.strip_suffix('/').unwrap().parse().unwrap();
        }
    };
    assert!(data.is_dir(), "serve creates its data folder");
    Served {
        child,
        address,
        folder,
        token,
    }
}

fn api_get(address: SocketAddr, authorization: Option<&str>) -> common::RawResponse {
    let field = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    let request = format!("GET /api/nothing-here HTTP/1.1\r\nHost: t\r\n{field}\r\n");
    common::exchange(address, request.as_bytes())
}

#[test]
fn version_and_help_answer() {
    let output = strata(&["--version"]);
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("strata {}\n", env!("CARGO_PKG_VERSION"))
    );
    let output = strata(&["--help"]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("serve"));
}

#[test]
fn serve_help_lists_every_flag_with_its_default() {
    let output = strata(&["serve", "--help"]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "--data DIR",
        "(default: ./strata-data)",
        "--listen ADDR",
        "(default: 127.0.0.1:3179)",
        "--access-log PATH",
        "--max-workers N",
        "--max-connections-per-client N",
        "--header-timeout DURATION",
        "--idle-timeout DURATION",
        "--max-body BYTES",
    ] {
        assert!(help.contains(expected), "missing {expected:?} in:\n{help}");
    }
}

#[test]
fn a_wrong_flag_names_itself_and_points_to_help() {
    let output = strata(&["serve", "--lisen", "x"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--lisen") && stderr.contains("strata serve --help"),
        "{stderr}"
    );
    let output = strata(&["serve", "--idle-timeout", "soon"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--idle-timeout"));
    let output = strata(&["frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("frobnicate"));
}

#[test]
fn serve_refuses_an_address_it_cannot_use() {
    let output = strata(&[
        "serve",
        "--listen",
        "256.0.0.1:1",
        "--data",
        "/tmp/strata-cli-bad-listen",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot listen on 256.0.0.1:1"));
}

#[test]
fn serve_answers_healthz_ui_and_site() {
    let served = serve("routes", &["--access-log", "off"]);
    let health = get(served.address, "/healthz");
    assert_eq!(health.status, 200);
    assert_eq!(
        health.text(),
        format!("ok strata {}\n", env!("CARGO_PKG_VERSION"))
    );
    let ui = get(served.address, "/ui/");
    assert_eq!(ui.status, 200);
    assert_eq!(ui.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(ui.header("etag").is_some());
    let redirect = get(served.address, "/ui");
    assert_eq!(
        (redirect.status, redirect.header("location")),
        (301, Some("/ui/"))
    );
    let site = get(served.address, "/");
    assert_eq!(site.status, 200);
    assert!(site.text().contains("<html"), "{}", site.text());
    let missing = get(served.address, "/no/such/page");
    assert_eq!(missing.status, 404);
    let refused = common::exchange(served.address, b"DELETE / HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(
        (refused.status, refused.header("allow")),
        (405, Some("GET, HEAD, OPTIONS"))
    );
}

#[test]
fn revalidation_of_ui_files_gives_304() {
    let served = serve("etag", &["--access-log", "off"]);
    let first = get(served.address, "/ui/");
    let etag = first.header("etag").unwrap().to_string();
    let request = format!("GET /ui/ HTTP/1.1\r\nHost: t\r\nIf-None-Match: {etag}\r\n\r\n");
    let second = common::exchange(served.address, request.as_bytes());
    assert_eq!(second.status, 304);
}

#[test]
fn access_log_lines_use_the_combined_format() {
    let folder = std::env::temp_dir().join(format!("strata-cli-log-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let log = folder.join("access.log");
    let served = serve("log", &["--access-log", log.to_str().unwrap()]);
    let mut wire = Wire::connect(served.address);
    wire.send(b"GET /healthz?x=1 HTTP/1.1\r\nHost: t\r\nReferer: http://r/\r\nUser-Agent: test\"agent\r\n\r\n");
    assert_eq!(wire.response().unwrap().status, 200);
    let mut text = String::new();
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(50));
        text = std::fs::read_to_string(&log).unwrap_or_default();
        if !text.is_empty() {
            break;
        }
    }
    let line = text
        .lines()
        .next()
        .expect("a log line within the flush interval");
    assert!(line.starts_with("127.0.0.1 - - ["), "{line}");
    assert!(
        line.ends_with("\"GET /healthz?x=1 HTTP/1.1\" 200 16 \"http://r/\" \"test\\x22agent\""),
        "{line}"
    );
    let _ = std::fs::remove_dir_all(&folder);
}

#[test]
fn a_killed_server_starts_again_on_the_same_data() {
    let mut first = serve("restart", &["--access-log", "off"]);
    let token = first.token.clone().expect("a token on first start");
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let second = serve_in(first.folder.clone(), &["--access-log", "off"], &[]);
    assert_eq!(second.token, None, "the token is printed only once");
    let bearer = format!("Bearer {token}");
    assert_eq!(
        api_get(second.address, Some(&bearer)).status,
        404,
        "the old token still works"
    );
}

#[test]
fn protected_routes_need_the_owner_token() {
    let served = serve("auth", &["--access-log", "off"]);
    let token = served.token.clone().expect("a token on first start");
    assert_eq!(token.len(), 43);
    let response = api_get(served.address, None);
    assert_eq!(response.status, 401);
    let challenges: Vec<&str> = response
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("www-authenticate"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(
        challenges,
        [
            "Bearer realm=\"strata\"",
            "Basic realm=\"strata\", charset=\"UTF-8\""
        ]
    );
    assert_eq!(
        api_get(served.address, Some(&format!("Bearer {token}"))).status,
        404
    );
    let basic = strata::util::base64::encode(format!("anyone:{token}").as_bytes());
    assert_eq!(
        api_get(served.address, Some(&format!("Basic {basic}"))).status,
        404
    );
    assert_eq!(api_get(served.address, Some("Bearer nope")).status, 401);
    assert_eq!(api_get(served.address, Some("Digest x")).status, 401);
    let bs = common::exchange(
        served.address,
        b"GET /bs/camli/x HTTP/1.1\r\nHost: t\r\n\r\n",
    );
    assert_eq!(bs.status, 401, "the blob-server protocol is protected too");
}

#[test]
fn repeated_failures_are_rate_limited_per_client() {
    let served = serve(
        "ratelimit",
        &["--access-log", "off", "--token", "scripted-token"],
    );
    assert_eq!(served.token, None, "a given token is not printed");
    for _ in 0..strata::web::auth::FAILURES_PER_WINDOW_MAX {
        assert_eq!(api_get(served.address, Some("Bearer wrong")).status, 401);
    }
    let limited = api_get(served.address, Some("Bearer wrong"));
    assert_eq!(limited.status, 429);
    assert!(limited.header("retry-after").is_some());
    let blocked = api_get(served.address, Some("Bearer scripted-token"));
    assert_eq!(
        blocked.status, 429,
        "even the right token waits out the window"
    );
}

#[test]
fn the_token_comes_from_the_environment_and_resets() {
    let folder = std::env::temp_dir().join(format!("strata-cli-env-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    let env = [("STRATA_TOKEN", "from-env")];
    let served = serve_in(folder.clone(), &["--access-log", "off"], &env);
    assert_eq!(api_get(served.address, Some("Bearer from-env")).status, 404);
    let output = strata(&[
        "token",
        "--reset",
        "--data",
        folder.join("data").to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let new = stdout
        .lines()
        .next()
        .unwrap()
        .strip_prefix("owner token: ")
        .unwrap()
        .to_string();
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(
        api_get(served.address, Some(&format!("Bearer {new}"))).status,
        404
    );
    assert_eq!(api_get(served.address, Some("Bearer from-env")).status, 401);
    let output = strata(&["token"]);
    assert_eq!(output.status.code(), Some(2));
}
