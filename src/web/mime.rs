//! Media types by file extension, for the common web types; text types
//! carry `charset=utf-8`. Anything unknown is `application/octet-stream`.

/// The longest extension in the table below ("webmanifest").
const EXTENSION_BYTES_MAX: usize = 11;

/// The `Content-Type` for a file named `name`.
pub fn content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map(|(_, ext)| ext).unwrap_or("");
    // Lower-cased on the stack: this runs for every file served.
    let mut lower = [0u8; EXTENSION_BYTES_MAX];
    let Some(lower) = lower.get_mut(..extension.len()) else {
        return "application/octet-stream";
    };
    lower.copy_from_slice(extension.as_bytes());
    lower.make_ascii_lowercase();
    match std::str::from_utf8(lower).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "xhtml" => "application/xhtml+xml",
        "vtt" => "text/vtt; charset=utf-8",
        "ics" => "text/calendar; charset=utf-8",
        "jsonld" => "application/ld+json",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "txt" | "text" => "text/plain; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "xml" => "application/xml",
        "rss" => "application/rss+xml",
        "atom" => "application/atom+xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "apng" => "image/apng",
        "jxl" => "image/jxl",
        "bmp" => "image/bmp",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "mp4" | "m4v" => "video/mp4",
        "mov" => "video/quicktime",
        "m4a" => "audio/mp4",
        "opus" => "audio/ogg",
        "webm" => "video/webm",
        "ogv" => "video/ogg",
        "mp3" => "audio/mpeg",
        "ogg" | "oga" => "audio/ogg",
        "wav" => "audio/wav",
        "flac" => "audio/flac",
        "wasm" => "application/wasm",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_types_and_fallback() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("A.CSS"), "text/css; charset=utf-8");
        assert_eq!(content_type("app.mjs"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("font.woff2"), "font/woff2");
        assert_eq!(content_type("talk.vtt"), "text/vtt; charset=utf-8");
        assert_eq!(content_type("song.opus"), "audio/ogg");
        assert_eq!(content_type("app.wasm"), "application/wasm");
        assert_eq!(content_type("noextension"), "application/octet-stream");
        assert_eq!(content_type("archive.tar.xz"), "application/octet-stream");
        assert_eq!(
            content_type("Site.WEBMANIFEST"),
            "application/manifest+json"
        );
        assert_eq!(content_type("a.webmanifests"), "application/octet-stream");
        assert_eq!(content_type("été.Html"), "text/html; charset=utf-8");
        assert_eq!(content_type("a.htmlé"), "application/octet-stream");
    }
}
