//! `strata serve`: runs the server on a data folder, with its blobs in
//! the folder's store (`DATA/store`, held by this process alone).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Failure;
use super::args::{Command, DATA_FLAG, Flag, Parsed};
use crate::blob::{BlobStorage, DbStorage, StorageError, data_store_dir};
use crate::fs::{Tree, TreeOptions};
use crate::http::access_log::AccessLog;
use crate::http::{Context, Limits, Server};
use crate::site::cache_control::CacheRule;
use crate::site::{Site, SiteOptions, starter};
use crate::web::auth::Gate;
use crate::web::credentials::{Credentials, Setup};
use crate::web::indexing_storage::IndexingStorage;
use crate::web::session::Sessions;
use crate::web::{App, SERVER_NAME};

pub const COMMAND: Command = Command {
    name: "serve",
    summary: "Run the strata server: the website at /, the UI at /ui/, the APIs.",
    positionals: "",
    flags: &[
        DATA_FLAG,
        Flag {
            name: "token",
            value: Some("TOKEN"),
            default: None,
            help: "set the owner token (also: STRATA_TOKEN); else one is made on first start",
        },
        Flag {
            name: "listen",
            value: Some("ADDR"),
            default: Some("127.0.0.1:3179"),
            help: "address to listen on (port 0 picks a free one)",
        },
        Flag {
            name: "access-log",
            value: Some("PATH"),
            default: Some("-"),
            help: "access log file, '-' for stderr, 'off' for none",
        },
        Flag {
            name: "max-workers",
            value: Some("N"),
            default: Some("1024"),
            help: "connections served at once; past it, 503",
        },
        Flag {
            name: "max-connections-per-client",
            value: Some("N"),
            default: Some("256"),
            help: "open connections per client address; past it, 503",
        },
        Flag {
            name: "worker-stack",
            value: Some("BYTES"),
            default: Some("256KiB"),
            help: "stack size of each worker thread",
        },
        Flag {
            name: "header-timeout",
            value: Some("DURATION"),
            default: Some("10s"),
            help: "a request head must arrive within this (408)",
        },
        Flag {
            name: "body-timeout",
            value: Some("DURATION"),
            default: Some("30s"),
            help: "a request body stalled this long is abandoned",
        },
        Flag {
            name: "send-timeout",
            value: Some("DURATION"),
            default: Some("30s"),
            help: "a response unread this long is abandoned",
        },
        Flag {
            name: "idle-timeout",
            value: Some("DURATION"),
            default: Some("5s"),
            help: "an idle keep-alive connection closes after this",
        },
        Flag {
            name: "max-request-line",
            value: Some("BYTES"),
            default: Some("8KiB"),
            help: "longest request line (414)",
        },
        Flag {
            name: "max-uri",
            value: Some("BYTES"),
            default: Some("8KiB"),
            help: "longest request target (414)",
        },
        Flag {
            name: "max-header-line",
            value: Some("BYTES"),
            default: Some("8KiB"),
            help: "longest header field line (431)",
        },
        Flag {
            name: "max-headers-size",
            value: Some("BYTES"),
            default: Some("64KiB"),
            help: "all header fields together (431)",
        },
        Flag {
            name: "max-headers",
            value: Some("N"),
            default: Some("100"),
            help: "header fields per request (431)",
        },
        Flag {
            name: "site-live",
            value: None,
            default: None,
            help: "serve /site as it is now at /, without publishing",
        },
        Flag {
            name: "site-host",
            value: Some("HOST"),
            default: None,
            help: "serve the website only for this Host (the UI and API on others)",
        },
        Flag {
            name: "site-banner",
            value: None,
            default: None,
            help: "show a banner naming the moment on pages of /@T/",
        },
        Flag {
            name: "site-cache",
            value: Some("GLOB=VALUE"),
            default: None,
            help: "Cache-Control VALUE for site paths matching GLOB (repeatable; first wins)",
        },
        Flag {
            name: "max-body",
            value: Some("BYTES"),
            default: Some("1MiB"),
            help: "request body of routes without their own limit (413)",
        },
    ],
};

/// Runs `strata serve`; returns only on a start-up error.
pub fn run(parsed: &Parsed) -> Result<(), Failure> {
    let limits = limits(parsed)?;
    let data = PathBuf::from(parsed.get(&COMMAND, "data").unwrap_or_default());
    let listen = parsed.get(&COMMAND, "listen").unwrap_or_default();
    let access_log = access_log(&parsed.get(&COMMAND, "access-log").unwrap_or_default())?;
    std::fs::create_dir_all(&data)
        .map_err(|e| Failure::Runtime(format!("cannot create {}: {e}", data.display())))?;
    // Before anything else touches the folder: a second server on the same
    // data must stop here, naming it, not serve from a store it cannot own.
    let storage = open_storage(&data)?;
    let given_token = parsed
        .get(&COMMAND, "token")
        .or_else(|| std::env::var("STRATA_TOKEN").ok());
    let (credentials, setup) = Credentials::open_or_create(&data, given_token.as_deref())
        .map_err(|e| Failure::Runtime(format!("cannot set up the owner token: {e}")))?;
    let sessions = Sessions::open(&data)
        .map_err(|e| Failure::Runtime(format!("cannot read the sessions: {e}")))?;
    let gate = Gate::new(credentials).with_sessions(sessions);
    let site_options = site_options(parsed)?;
    let app = with_tree(App::new(gate), Arc::new(storage), site_options)?;
    let handler = Arc::new(app);
    let context = Context {
        handler,
        limits,
        access_log,
        server_name: SERVER_NAME,
    };
    let server = Server::bind(listen.as_str(), context)
        .map_err(|e| Failure::Runtime(format!("cannot listen on {listen}: {e}")))?;
    let address = server
        .local_addr()
        .map_err(|e| Failure::Runtime(e.to_string()))?;
    let mut stdout = std::io::stdout();
    if let Setup::Created(token) = setup {
        let _ = writeln!(stdout, "owner token: {token}");
        let _ = writeln!(
            stdout,
            "  (shown once: keep it; 'strata token --reset' makes a new one)"
        );
    }
    let _ = super::server_record::record(&data, address);
    let _ = writeln!(stdout, "listening on http://{address}/");
    let _ = stdout.flush();
    server.run()
}

/// The blob store of the data folder `data` (created on first start).
fn open_storage(data: &Path) -> Result<DbStorage, Failure> {
    DbStorage::open(&data_store_dir(data)).map_err(|error| match &error {
        StorageError::Io(inner) if inner.kind() == std::io::ErrorKind::ResourceBusy => {
            Failure::Runtime(format!(
                "the data folder {} is in use: another process holds its store \
                 (is another strata serving it?)",
                data.display()
            ))
        }
        _ => Failure::Runtime(format!(
            "cannot open the store of {}: {error}",
            data.display()
        )),
    })
}

/// Serves the blob routes and the tree routes from one store: the tree
/// opens on the same `DbStorage` (one Db per data folder), and blobs
/// uploaded through the blob routes reach it, so claims among them are
/// indexed.
fn with_tree(app: App, storage: Arc<DbStorage>, options: SiteOptions) -> Result<App, Failure> {
    let tree = Tree::open(storage.clone(), TreeOptions::default())
        .map_err(|e| Failure::Runtime(format!("cannot open the file tree: {e}")))?;
    let tree = Arc::new(tree);
    if let Some(made) = starter::publish_if_new(&tree)
        .map_err(|e| Failure::Runtime(format!("cannot publish the starter site: {e}")))?
    {
        let _ = writeln!(
            std::io::stdout(),
            "published the starter site (publish {}): edit /site, then publish",
            made.number
        );
    }
    let blobs: Arc<dyn BlobStorage> = Arc::new(IndexingStorage::new(storage, Arc::clone(&tree)));
    let site = Site::new(Arc::clone(&tree), Arc::clone(&blobs), options);
    Ok(app
        .with_blobs(blobs)
        .with_tree(tree)
        .with_site(Arc::new(site)))
}

/// The `--site-*` flags.
fn site_options(parsed: &Parsed) -> Result<SiteOptions, Failure> {
    let mut cache_rules = Vec::new();
    for text in parsed.all("site-cache") {
        let rule = CacheRule::parse(&text)
            .map_err(|why| Failure::Usage(COMMAND.error(&format!("--site-cache {why}")).0))?;
        cache_rules.push(rule);
    }
    let host = parsed.get(&COMMAND, "site-host");
    if host
        .as_deref()
        .is_some_and(|host| host.is_empty() || host.contains(['/', ' ']))
    {
        let message = "--site-host takes a host name, e.g. example.org";
        return Err(Failure::Usage(COMMAND.error(message).0));
    }
    Ok(SiteOptions {
        live: parsed.switch("site-live"),
        host,
        banner: parsed.switch("site-banner"),
        cache_rules,
    })
}

fn access_log(target: &str) -> Result<AccessLog, Failure> {
    match target {
        "off" => Ok(AccessLog::off()),
        "-" => Ok(AccessLog::to_stderr()),
        path => AccessLog::to_file(std::path::Path::new(path))
            .map_err(|e| Failure::Runtime(format!("cannot open access log {path}: {e}"))),
    }
}

fn limits(parsed: &Parsed) -> Result<Limits, Failure> {
    let command = &COMMAND;
    let bytes = |name| parsed.bytes(command, name).map(|b| b as usize);
    Ok(Limits {
        request_line_bytes_max: bytes("max-request-line")?,
        uri_bytes_max: bytes("max-uri")?,
        header_line_bytes_max: bytes("max-header-line")?,
        headers_bytes_max: bytes("max-headers-size")?,
        headers_count_max: parsed.count(command, "max-headers")?,
        body_bytes_max: parsed.bytes(command, "max-body")?,
        header_timeout: parsed.duration(command, "header-timeout")?,
        body_stall_timeout: parsed.duration(command, "body-timeout")?,
        send_stall_timeout: parsed.duration(command, "send-timeout")?,
        idle_timeout: parsed.duration(command, "idle-timeout")?,
        workers_max: parsed.count(command, "max-workers")?,
        connections_per_client_max: parsed.count(command, "max-connections-per-client")?,
        worker_stack_bytes: bytes("worker-stack")?.max(64 * 1024),
    })
}
