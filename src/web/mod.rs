//! Routes and handlers: what each URL of strata answers (the URL map of
//! README.md). Status codes come from `http::Status`; every error has a
//! precise message.

pub mod assets;
pub mod auth;
pub mod blob_api;
pub mod blobserver;
pub mod credentials;
pub mod fs_api;
pub mod fs_post;
mod fs_put_many;
pub use fs_put_many::{PUT_MANY_BODY_BYTES_MAX, PUT_MANY_FILES_MAX};
pub mod history_api;
pub mod indexing_storage;
pub mod listing_body;
pub mod login;
pub mod mime;
pub mod origin;
pub mod permanode_api;
pub mod session;
pub mod site_api;

use crate::blob::BlobStorage;
use crate::fs::Tree;
use crate::http::conditional::{Representation, respond};
use crate::http::target::percent_encode_path;
use crate::http::{Body, Handler, Request, RequestBody, Response, Status};
use crate::site::Site;
use assets::{Asset, Lookup};
use std::sync::Arc;

/// The version this binary reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The `Server` field.
pub const SERVER_NAME: &str = concat!("strata/", env!("CARGO_PKG_VERSION"));

/// Methods of the read-only routes.
const READ_METHODS: &str = "GET, HEAD, OPTIONS";
/// Every method some route of the server takes (for `OPTIONS *`).
const SERVER_METHODS: &str = "GET, HEAD, OPTIONS";

/// Path prefixes that need the owner's credentials.
const PROTECTED_PREFIXES: [&str; 2] = ["/api/", "/bs/"];

/// The strata application: every route.
pub struct App {
    gate: auth::Gate,
    /// Where the blob and file routes keep blobs; without it they
    /// answer 503.
    blobs: Option<Arc<dyn BlobStorage>>,
    /// The file tree of the tree routes (`/api/fs`, `/api/history`,
    /// `/api/changes`, `/api/permanode`); without it they answer 503.
    tree: Option<Arc<Tree>>,
    /// The website from the store (`src/site`); without it `/` serves
    /// the compiled-in starter site.
    site: Option<Arc<Site>>,
}

impl App {
    pub fn new(gate: auth::Gate) -> App {
        App {
            gate,
            blobs: None,
            tree: None,
            site: None,
        }
    }

    /// Serves the website at `/` (and `/@X/…`, `/timemap/…`) from the
    /// store's `/site`, as `site` says.
    pub fn with_site(mut self, site: Arc<Site>) -> App {
        self.site = Some(site);
        self
    }

    /// Serves the blob API and the blob-server protocol from `storage`.
    pub fn with_blobs(mut self, storage: Arc<dyn BlobStorage>) -> App {
        self.blobs = Some(storage);
        self
    }

    /// Serves the tree routes from `tree`; its file contents are read
    /// through the blob storage of [`App::with_blobs`] (the same store),
    /// and blobs uploaded through the blob routes are indexed by it.
    pub fn with_tree(mut self, tree: Arc<Tree>) -> App {
        self.tree = Some(tree);
        self
    }
}

impl Handler for App {
    fn handle(&self, request: &Request<'_>, body: &mut RequestBody<'_>) -> Response {
        let path: &str = &request.path;
        if path == "*" {
            return Response::empty(Status::NO_CONTENT).header("Allow", SERVER_METHODS);
        }
        if let Some(site) = &self.site
            && site.options().host.is_some()
            && site.options().is_site_host(request.host())
        {
            // `--site-host`: on the site's host everything is the site.
            return site.handle(request);
        }
        if PROTECTED_PREFIXES
            .iter()
            .any(|prefix| path.starts_with(prefix))
        {
            return self.api(request, body);
        }
        if let Some(refused) = check_method(request, READ_METHODS) {
            return refused;
        }
        if path == "/healthz" {
            return health();
        }
        if path == "/ui" {
            return redirect_with_slash(request);
        }
        if let Some(rest) = path.strip_prefix("/ui/") {
            return serve_asset(request, assets::UI, &format!("/{rest}"), "no-cache");
        }
        match &self.site {
            None => serve_asset(request, assets::SITE, path, "no-cache"),
            Some(site) if site.options().host.is_none() => site.handle(request),
            Some(site) => elsewhere(request, site.options().host.as_deref().unwrap_or("")),
        }
    }
}

impl App {
    /// What `/api/site` says of the server's site besides its publishes.
    fn site_facts(&self) -> site_api::SiteFacts {
        site_api::SiteFacts {
            live: self.site.as_ref().is_some_and(|site| site.options().live),
        }
    }

    /// The protected routes: credentials first, then the route.
    fn api(&self, request: &Request<'_>, body: &mut RequestBody<'_>) -> Response {
        let path: &str = &request.path;
        if login::owns(path) {
            return login::handle(&self.gate, request, body);
        }
        let proof = match self.gate.check(request) {
            Ok(proof) => proof,
            Err(refusal) => return refusal,
        };
        if let Some(refusal) = origin::refusal(request, proof) {
            return refusal;
        }
        let is_blobserver = blobserver::owns(path);
        if is_blobserver || blob_api::owns(path) {
            let Some(storage) = &self.blobs else {
                return blob_api::unavailable();
            };
            return if is_blobserver {
                blobserver::handle(storage.as_ref(), request, body)
            } else {
                blob_api::handle(storage, request, body)
            };
        }
        if let Some(response) = self.tree_route(request, body) {
            return response;
        }
        Response::error(
            Status::NOT_FOUND,
            &format!("no such API route: {}", request.path),
        )
    }

    /// The tree routes, or `None` when `request` is for none of them.
    fn tree_route(&self, request: &Request<'_>, body: &mut RequestBody<'_>) -> Option<Response> {
        let path: &str = &request.path;
        let is_fs = fs_api::owns(path);
        let is_history = history_api::owns(path);
        let is_site = site_api::owns(path);
        if !is_fs && !is_history && !is_site && !permanode_api::owns(path) {
            return None;
        }
        let (Some(tree), Some(blobs)) = (&self.tree, &self.blobs) else {
            return Some(blob_api::json_error(
                Status::SERVICE_UNAVAILABLE,
                "the file tree is not available",
            ));
        };
        Some(if is_fs {
            let routes = fs_api::TreeRoutes { tree, blobs };
            fs_api::handle(&routes, request, body)
        } else if is_history {
            history_api::handle(tree, request)
        } else if is_site {
            site_api::handle(tree, self.site_facts(), request)
        } else {
            permanode_api::handle(tree, blobs.as_ref(), request)
        })
    }
}

/// 405 with `Allow` for a method the route does not take; 204 with
/// `Allow` for OPTIONS; `None` to go on.
fn check_method(request: &Request<'_>, allowed: &'static str) -> Option<Response> {
    if request.method == "OPTIONS" {
        return Some(Response::empty(Status::NO_CONTENT).header("Allow", allowed));
    }
    let is_allowed = allowed.split(", ").any(|method| method == request.method);
    if is_allowed {
        return None;
    }
    let message = format!("{} is not allowed here; allowed: {allowed}", request.method);
    Some(Response::error(Status::METHOD_NOT_ALLOWED, &message).header("Allow", allowed))
}

/// With `--site-host`, a site path asked on another host: `/` leads to
/// the UI, anything else is not here.
fn elsewhere(request: &Request<'_>, site_host: &str) -> Response {
    if request.path == "/" {
        return Response::error(Status::FOUND, "the UI is at /ui/").header("Location", "/ui/");
    }
    let message = format!("the website is served for the host {site_host}");
    Response::error(Status::NOT_FOUND, &message)
}

fn health() -> Response {
    Response::text(Status::OK, format!("ok strata {VERSION}\n")).header("Cache-Control", "no-store")
}

/// 301 to the same path with a trailing slash, keeping the query (the
/// UI's and the site's folder rule).
pub fn redirect_with_slash(request: &Request<'_>) -> Response {
    let mut location = percent_encode_path(&format!("{}/", request.path));
    if let Some(query) = request.query {
        location.push('?');
        location.push_str(query);
    }
    Response::error(Status::MOVED_PERMANENTLY, &format!("moved to {location}"))
        .header("Location", location)
}

fn serve_asset(
    request: &Request<'_>,
    table: &'static [Asset],
    path: &str,
    cache_control: &'static str,
) -> Response {
    match assets::find(table, path) {
        Lookup::File(asset) => asset_response(request, asset, Status::OK, cache_control),
        Lookup::AddSlash => redirect_with_slash(request),
        Lookup::Missing => match assets::find(table, "/404.html") {
            Lookup::File(page) => asset_response(request, page, Status::NOT_FOUND, "no-cache"),
            _ => Response::error(Status::NOT_FOUND, &format!("no such path: {path}")),
        },
    }
}

fn asset_response(
    request: &Request<'_>,
    asset: &'static Asset,
    status: Status,
    cache_control: &'static str,
) -> Response {
    let content_type = mime::content_type(asset.path);
    let response = if status == Status::OK {
        let representation = Representation {
            length: asset.bytes.len() as u64,
            etag: Some(asset.etag),
            last_modified: None,
        };
        respond(request, &representation, content_type, |start, length| {
            let (start, length) = (start as usize, length as usize);
            Ok(Body::Static(&asset.bytes[start..start + length]))
        })
    } else {
        Response::with_body(status, content_type, Body::Static(asset.bytes))
    };
    response
        .header("Cache-Control", cache_control)
        .header("X-Content-Type-Options", "nosniff")
}
