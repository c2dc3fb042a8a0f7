//! The site's HTTP answers ([SITE.md](SITE.md), "Serving"): `/path` as
//! of the publish in force (or now, with `--site-live`), `/@X/path` as
//! of a moment, `/timemap/path`; index pages, the slash redirect, the
//! 404 page, media types, validators (RFC 9110 §8.8, §13), Range (§14),
//! precompressed variants (§12.5.3) and Cache-Control.

use super::banner;
use super::cache::Cache;
use super::cache_control::{REVALIDATE, cache_control};
use super::encoding;
use super::memento;
use super::options::SiteOptions;
use super::publish::{self, Publish};
use super::resolve::{self, Lookup, NOT_FOUND_PATH, Page, Version};
use super::url::{self, Moment, SiteUrl};
use crate::blob::BlobStorage;
use crate::fs::{FsError, Tree, latest};
use crate::http::conditional::{Representation, respond};
use crate::http::{Body, Request, Response, Status};
use crate::util::rfc3339::Timestamp;
use crate::web::blob_api::FileRangeReader;
use crate::web::{mime, redirect_with_slash};
use std::sync::Arc;

/// Methods the site answers.
pub const SITE_METHODS: &str = "GET, HEAD, OPTIONS";

/// The website server: shared by every worker.
pub struct Site {
    pub(super) tree: Arc<Tree>,
    blobs: Arc<dyn BlobStorage>,
    pub(super) options: SiteOptions,
    cache: Cache,
}

/// Which tree time a request is answered from, and how to name it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Served {
    /// The tree time whose `/site` is served.
    pub at: Timestamp,
    /// For a memento: the moment it shows (for the banner) and its
    /// `Memento-Datetime`.
    pub memento: Option<(Timestamp, Timestamp)>,
}

impl Site {
    pub fn new(tree: Arc<Tree>, blobs: Arc<dyn BlobStorage>, options: SiteOptions) -> Site {
        Site {
            tree,
            blobs,
            options,
            cache: Cache::new(),
        }
    }

    pub fn options(&self) -> &SiteOptions {
        &self.options
    }

    /// Answers any request for the site.
    pub fn handle(&self, request: &Request<'_>) -> Response {
        if let Some(refused) = check_method(request) {
            return refused;
        }
        let answer = match url::parse(&request.path) {
            SiteUrl::Page(path) => match request.header_str("accept-datetime") {
                Some(wanted) => memento::timegate(self, request, path, wanted),
                None => self.page_now(request, path),
            },
            SiteUrl::Memento { moment, path } => self.memento(request, moment, path),
            SiteUrl::MementoRoot | SiteUrl::TimeMapRoot => Ok(redirect_with_slash(request)),
            SiteUrl::TimeMap(path) => memento::timemap(self, path),
        };
        answer.unwrap_or_else(|error| server_error(&error))
    }

    /// The publishes, oldest first (cached for the tree's generation).
    pub(super) fn publishes(&self, generation: u64) -> Result<Arc<Vec<Publish>>, FsError> {
        if let Some(known) = self.cache.publishes(generation) {
            return Ok(known);
        }
        let publishes = Arc::new(publish::list(&self.tree)?);
        self.cache.keep_publishes(generation, &publishes);
        Ok(publishes)
    }

    /// What `path` leads to at `at` (cached for the tree's generation).
    pub(super) fn lookup(
        &self,
        generation: u64,
        at: Timestamp,
        path: &str,
    ) -> Result<Lookup, FsError> {
        if let Some(known) = self.cache.answer(generation, at, path) {
            return Ok(known);
        }
        let lookup = resolve::resolve(&self.tree, at, path)?;
        self.cache.keep_answer(generation, at, path, &lookup);
        Ok(lookup)
    }

    fn page_now(&self, request: &Request<'_>, path: &str) -> Result<Response, FsError> {
        let generation = self.tree.generation();
        let at = if self.options.live {
            latest()
        } else {
            match self.publishes(generation)?.last() {
                Some(current) => current.at,
                None => return Ok(no_site()),
            }
        };
        let moment = Served { at, memento: None };
        let response = self.answer(request, generation, moment, path)?;
        Ok(response
            .header("Vary", "accept-datetime")
            .header("Link", memento::original_links(path)))
    }

    fn memento(
        &self,
        request: &Request<'_>,
        moment: Moment,
        path: &str,
    ) -> Result<Response, FsError> {
        let generation = self.tree.generation();
        let Some(moment) = memento::moment_of(self, generation, moment)? else {
            return Ok(Response::error(
                Status::NOT_FOUND,
                "no published site at that moment (see /api/site or /timemap/)",
            ));
        };
        let response = self.answer(request, generation, moment, path)?;
        let (_, datetime) = moment.memento.expect("a memento moment");
        let is_page = matches!(response.status.0, 200 | 206 | 304);
        let versions = match is_page {
            true => memento::mementos(self, generation, path)?,
            false => Vec::new(),
        };
        Ok(memento::memento_headers(
            response, path, datetime, &versions,
        ))
    }

    /// The answer for `path` at `moment.at`: the page, the slash
    /// redirect, or the 404 page.
    fn answer(
        &self,
        request: &Request<'_>,
        generation: u64,
        moment: Served,
        path: &str,
    ) -> Result<Response, FsError> {
        Ok(match self.lookup(generation, moment.at, path)? {
            Lookup::Page(page) => self.page(request, &page, moment, path),
            Lookup::AddSlash => redirect_with_slash(request),
            Lookup::BadPath(why) => Response::error(Status::BAD_REQUEST, &why),
            Lookup::Missing => self.not_found(generation, moment, path)?,
        })
    }

    /// A page's bytes with validators, Range and its variant.
    fn page(&self, request: &Request<'_>, page: &Page, moment: Served, path: &str) -> Response {
        let content_type = mime::content_type(&page.name);
        let is_html = content_type.starts_with("text/html");
        if is_html
            && self.options.banner
            && let Some((shown, _)) = moment.memento
            && let Some(response) = self.with_banner(request, page, shown, path)
        {
            return response;
        }
        let available = page.codings();
        let coding = encoding::choose(request.header_str("accept-encoding"), &available);
        let version = page.version(coding);
        let mut response = self.version_response(request, version, content_type);
        if let Some(coding) = coding
            && response.status.0 < 300
        {
            response = response.header("Content-Encoding", coding.token());
        }
        if !available.is_empty() {
            response = response.header("Vary", "Accept-Encoding");
        }
        let control = cache_control(&self.options.cache_rules, path, is_html);
        finish(response, control)
    }

    /// `version`'s bytes through `respond` (conditionals, Range).
    fn version_response(
        &self,
        request: &Request<'_>,
        version: &Version,
        content_type: &str,
    ) -> Response {
        let representation = Representation {
            length: version.size,
            etag: Some(&version.etag),
            last_modified: Some(version.modified.unix_seconds()),
        };
        respond(request, &representation, content_type, |start, length| {
            Ok(self.body(version, start, length))
        })
    }

    fn body(&self, version: &Version, start: u64, length: u64) -> Body {
        if let Some(bytes) = &version.bytes {
            let (start, length) = (start as usize, length as usize);
            return Body::Bytes(bytes[start..start + length].to_vec());
        }
        let content = version
            .content
            .expect("a version without bytes has content");
        let reader = FileRangeReader::new(Arc::clone(&self.blobs), content, start, length);
        Body::Stream {
            reader: Box::new(reader),
            length: Some(length),
        }
    }

    /// A memento's HTML page with the banner, or None when the page is
    /// too large to change (then it is served as stored).
    fn with_banner(
        &self,
        request: &Request<'_>,
        page: &Page,
        shown: Timestamp,
        path: &str,
    ) -> Option<Response> {
        let version = &page.identity;
        if version.size > banner::BANNER_PAGE_BYTES_MAX {
            return None;
        }
        let stored = match &version.bytes {
            Some(bytes) => bytes.to_vec(),
            None => self.read_whole(version).ok()?,
        };
        let bytes = banner::insert(&stored, shown, path);
        let etag = format!(
            "{}{}\"",
            version.etag.strip_suffix('"').unwrap_or(&version.etag),
            banner::ETAG_SUFFIX
        );
        let representation = Representation {
            length: bytes.len() as u64,
            etag: Some(&etag),
            last_modified: Some(version.modified.unix_seconds()),
        };
        let content_type = mime::content_type(&page.name);
        let response = respond(request, &representation, content_type, |start, length| {
            let (start, length) = (start as usize, length as usize);
            Ok(Body::Bytes(bytes[start..start + length].to_vec()))
        });
        let control = cache_control(&self.options.cache_rules, path, true);
        Some(finish(response, control))
    }

    fn read_whole(&self, version: &Version) -> Result<Vec<u8>, FsError> {
        let mut out = Vec::with_capacity(version.size as usize);
        if let Some(content) = &version.content {
            let source = self.tree.backend().source();
            crate::blob::file_reader::read_range(source, content, 0, version.size, &mut out)?;
        }
        Ok(out)
    }

    /// 404 with the site's `404.html` of the same moment, or a plain one.
    fn not_found(&self, generation: u64, moment: Served, path: &str) -> Result<Response, FsError> {
        let Lookup::Page(page) = self.lookup(generation, moment.at, NOT_FOUND_PATH)? else {
            return Ok(Response::error(
                Status::NOT_FOUND,
                &format!("no such page: {path}"),
            ));
        };
        let version = &page.identity;
        let bytes = match &version.bytes {
            Some(bytes) => bytes.to_vec(),
            None => self.read_whole(version)?,
        };
        let content_type = mime::content_type(&page.name);
        let response = Response::with_body(Status::NOT_FOUND, content_type, Body::Bytes(bytes));
        Ok(finish(response, REVALIDATE))
    }
}

/// The headers every page answer carries.
fn finish(response: Response, cache_control: &str) -> Response {
    response
        .header("Cache-Control", cache_control.to_owned())
        .header("X-Content-Type-Options", "nosniff")
}

/// The site before anything was published.
fn no_site() -> Response {
    let message = "this server has no published website yet: put files in the store's \
                   /site folder and publish them (strata publish DIR, or POST /api/site/publish)";
    Response::error(Status::NOT_FOUND, message).header("Cache-Control", REVALIDATE)
}

fn server_error(error: &FsError) -> Response {
    Response::error(Status::INTERNAL_SERVER_ERROR, &error.to_string())
}

/// 405 with `Allow` for a method the site does not take; 204 for OPTIONS.
fn check_method(request: &Request<'_>) -> Option<Response> {
    match request.method {
        "GET" | "HEAD" => None,
        "OPTIONS" => Some(Response::empty(Status::NO_CONTENT).header("Allow", SITE_METHODS)),
        method => {
            let message = format!("{method} is not allowed here; allowed: {SITE_METHODS}");
            Some(
                Response::error(Status::METHOD_NOT_ALLOWED, &message).header("Allow", SITE_METHODS),
            )
        }
    }
}
