//! How the site is served: the `serve` flags that shape it
//! ([SITE.md](SITE.md), "Flags").

use super::cache_control::CacheRule;

/// The site's settings.
#[derive(Clone, Debug, Default)]
pub struct SiteOptions {
    /// `--site-live`: `/` serves `/site` as it is now, publishes aside;
    /// `/@T/` is then the tree at T.
    pub live: bool,
    /// `--site-host`: the site answers only for this host (and the UI
    /// and API only for others); None: everything on every host.
    pub host: Option<String>,
    /// `--site-banner`: pages of `/@T/` carry a small banner naming the
    /// moment.
    pub banner: bool,
    /// `--site-cache GLOB=VALUE`, in the order given.
    pub cache_rules: Vec<CacheRule>,
}

impl SiteOptions {
    /// Is `host` (a `Host` field: a name and maybe a port) the site's?
    /// Without `--site-host` every host is.
    pub fn is_site_host(&self, host: Option<&str>) -> bool {
        let Some(site_host) = &self.host else {
            return true;
        };
        let Some(host) = host else {
            return false;
        };
        let name = match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        };
        let name = name.strip_suffix('.').unwrap_or(name);
        name.eq_ignore_ascii_case(site_host.trim_end_matches('.'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_host_matches_without_port_or_case() {
        let options = SiteOptions {
            host: Some("example.org".to_owned()),
            ..SiteOptions::default()
        };
        for host in ["example.org", "EXAMPLE.org:443", "example.org."] {
            assert!(options.is_site_host(Some(host)), "{host}");
        }
        for host in ["www.example.org", "example.org.evil", "127.0.0.1:3179"] {
            assert!(!options.is_site_host(Some(host)), "{host}");
        }
        assert!(!options.is_site_host(None));
        assert!(SiteOptions::default().is_site_host(None));
    }
}
