//! Files compiled into the binary by `build.rs`: the UI (`www/ui/`) and,
//! until the site is served from the store, the starter site (`www/site/`).

/// One compiled-in file.
#[derive(Debug)]
pub struct Asset {
    /// Its URL path below the folder, starting with `/`.
    pub path: &'static str,
    pub bytes: &'static [u8],
    /// A strong entity-tag of its content, with quotes.
    pub etag: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// What a path of a compiled-in folder leads to.
#[derive(Debug)]
pub enum Lookup {
    File(&'static Asset),
    /// A folder asked for without its trailing slash.
    AddSlash,
    Missing,
}

/// Finds `path` in `table`: a file, or a folder's `index.html`.
pub fn find(table: &'static [Asset], path: &str) -> Lookup {
    let exact = |wanted: &str| table.iter().find(|asset| asset.path == wanted);
    if path.ends_with('/') {
        return exact(&format!("{path}index.html")).map_or(Lookup::Missing, Lookup::File);
    }
    if let Some(asset) = exact(path) {
        return Lookup::File(asset);
    }
    let folder = format!("{path}/");
    if table.iter().any(|asset| asset.path.starts_with(&folder)) {
        return Lookup::AddSlash;
    }
    Lookup::Missing
}
