//! `Cache-Control` of the site's answers, per path pattern
//! ([SITE.md](SITE.md), "Caching"): the owner's rules first
//! (`--site-cache 'GLOB=VALUE'`, first match wins), then the defaults:
//! HTML and folders revalidate (`no-cache`), fingerprinted assets
//! (`app.3f9a1c2b.js`) are immutable, other assets keep an hour.

/// HTML and folder answers: a cache must ask again each time (a 304 is
/// cheap: the ETag is the content ref).
pub const REVALIDATE: &str = "no-cache";
/// A name with a content hash in it never changes meaning.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Any other asset.
pub const ASSET: &str = "public, max-age=3600";
/// The fewest hex digits that make a name part a fingerprint.
pub const FINGERPRINT_HEX_DIGITS_MIN: usize = 8;

/// One `GLOB=VALUE` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheRule {
    pub glob: String,
    pub value: String,
}

impl CacheRule {
    /// Parses `GLOB=VALUE` (split at the first `=`; both non-empty, the
    /// value printable ASCII, as a header value must be).
    pub fn parse(text: &str) -> Result<CacheRule, String> {
        let Some((glob, value)) = text.split_once('=') else {
            return Err(format!("{text:?}: expected GLOB=VALUE"));
        };
        let (glob, value) = (glob.trim(), value.trim());
        if glob.is_empty() || value.is_empty() {
            return Err(format!("{text:?}: GLOB and VALUE must not be empty"));
        }
        if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Err(format!("{text:?}: VALUE must be printable ASCII"));
        }
        Ok(CacheRule {
            glob: glob.to_owned(),
            value: value.to_owned(),
        })
    }

    /// Does the rule's glob match `path` (the URL path below the site,
    /// from `/`)? A glob without `/` matches the last name; with one, the
    /// whole path.
    pub fn matches(&self, path: &str) -> bool {
        if self.glob.contains('/') {
            glob_matches(self.glob.as_bytes(), path.as_bytes())
        } else {
            let name = path.rsplit('/').next().unwrap_or("");
            glob_matches(self.glob.as_bytes(), name.as_bytes())
        }
    }
}

/// The `Cache-Control` for the answer of `path` (`is_html`: the answer
/// is an HTML page or a folder's index).
pub fn cache_control<'a>(rules: &'a [CacheRule], path: &str, is_html: bool) -> &'a str {
    if let Some(rule) = rules.iter().find(|rule| rule.matches(path)) {
        return &rule.value;
    }
    if is_html || path.ends_with('/') {
        REVALIDATE
    } else if is_fingerprinted(path.rsplit('/').next().unwrap_or("")) {
        IMMUTABLE
    } else {
        ASSET
    }
}

/// Does `name` carry a content hash: a part of at least
/// [`FINGERPRINT_HEX_DIGITS_MIN`] hex digits, with a digit among them,
/// between `.`, `-` or `_` before the extension (`app.3f9a1c2b.js`,
/// `logo-9f86d081.svg`)?
pub fn is_fingerprinted(name: &str) -> bool {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    stem.split(['.', '-', '_']).skip(1).any(|part| {
        part.len() >= FINGERPRINT_HEX_DIGITS_MIN
            && part.bytes().all(|b| b.is_ascii_hexdigit())
            && part.bytes().any(|b| b.is_ascii_digit())
    })
}

/// `*` any run of bytes but `/`, `**` any run, `?` one byte but `/`;
/// everything else itself.
fn glob_matches(glob: &[u8], text: &[u8]) -> bool {
    match glob.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) if rest.first() == Some(&b'*') => {
            let rest = &rest[1..];
            (0..=text.len()).any(|skip| glob_matches(rest, &text[skip..]))
        }
        Some((b'*', rest)) => {
            let run = text.iter().position(|&b| b == b'/').unwrap_or(text.len());
            (0..=run).any(|skip| glob_matches(rest, &text[skip..]))
        }
        Some((b'?', rest)) => {
            text.first().is_some_and(|&b| b != b'/') && glob_matches(rest, &text[1..])
        }
        Some((first, rest)) => text.first() == Some(first) && glob_matches(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_revalidate_html_and_keep_fingerprints_forever() {
        assert_eq!(cache_control(&[], "/", true), REVALIDATE);
        assert_eq!(cache_control(&[], "/about/", false), REVALIDATE);
        assert_eq!(cache_control(&[], "/index.html", true), REVALIDATE);
        assert_eq!(cache_control(&[], "/app.3f9a1c2b.js", false), IMMUTABLE);
        assert_eq!(
            cache_control(&[], "/img/logo-9f86d081e8.svg", false),
            IMMUTABLE
        );
        assert_eq!(cache_control(&[], "/style.css", false), ASSET);
        assert_eq!(cache_control(&[], "/app.3f9a1c2.js", false), ASSET);
        assert_eq!(cache_control(&[], "/deadbeefcafe.js", false), ASSET);
        assert_eq!(cache_control(&[], "/x.deadbeef.js", false), ASSET);
    }

    #[test]
    fn rules_match_names_or_paths_and_the_first_wins() {
        let rules = [
            CacheRule::parse("*.css=public, max-age=60").unwrap(),
            CacheRule::parse("/media/**=public, max-age=86400").unwrap(),
            CacheRule::parse("*=no-store").unwrap(),
        ];
        assert_eq!(
            cache_control(&rules, "/a/b/site.css", false),
            "public, max-age=60"
        );
        assert_eq!(
            cache_control(&rules, "/media/x/y.mp4", false),
            "public, max-age=86400"
        );
        assert_eq!(cache_control(&rules, "/index.html", true), "no-store");
        let one_level = CacheRule::parse("/media/*=x").unwrap();
        assert!(one_level.matches("/media/a.mp4"));
        assert!(!one_level.matches("/media/a/b.mp4"));
        assert!(CacheRule::parse("?.js=x").unwrap().matches("/q/a.js"));
    }

    #[test]
    fn bad_rules_are_refused_with_a_reason() {
        for bad in ["", "*.css", "=x", "*.css=", "*.css=a\u{7f}"] {
            assert!(CacheRule::parse(bad).is_err(), "{bad:?}");
        }
    }
}
