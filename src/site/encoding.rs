//! Choosing a precompressed variant (`x.br`, `x.gz` stored beside `x`)
//! by the request's `Accept-Encoding` (RFC 9110 §12.5.3): codings with
//! their q-values, `*` for any coding not named, `q=0` refusing one. No
//! `Accept-Encoding` at all gets the identity (as nginx's gzip_static
//! does; the RFC allows any coding then, but a plain `curl` would get
//! compressed bytes it did not ask for).

/// A content coding strata serves precompressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Brotli,
    Gzip,
}

impl Coding {
    /// Every coding, best first (the order that breaks a q-value tie).
    pub const ALL: [Coding; 2] = [Coding::Brotli, Coding::Gzip];

    /// The `Content-Encoding` token.
    pub fn token(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
        }
    }

    /// The suffix of the variant's name.
    pub fn suffix(self) -> &'static str {
        match self {
            Coding::Brotli => ".br",
            Coding::Gzip => ".gz",
        }
    }
}

/// The q-value the request gives `coding`, in thousandths (0 = refused).
fn quality(accept: &[&str], coding: Coding) -> u16 {
    let mut named = None;
    let mut any = None;
    for element in accept {
        let mut parts = element.split(';');
        let token = parts.next().unwrap_or("").trim();
        let q = parts
            .find_map(|param| {
                let (name, value) = param.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("q")
                    .then(|| parse_q(value.trim()))
            })
            .unwrap_or(Some(1000));
        let Some(q) = q else { continue };
        let is_named = token.eq_ignore_ascii_case(coding.token())
            || (coding == Coding::Gzip && token.eq_ignore_ascii_case("x-gzip"));
        if is_named {
            named = Some(q);
        } else if token == "*" {
            any = Some(q);
        }
    }
    named.or(any).unwrap_or(0)
}

/// A qvalue (RFC 9110 §12.4.2): `0`, `1`, `0.` and up to three digits,
/// `1.` and up to three zeros; in thousandths. None when malformed.
fn parse_q(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The coding to answer with among those `available` (variants the site
/// has), or None for the identity: the highest q-value above 0, Brotli
/// on a tie.
pub fn choose(accept_encoding: Option<&str>, available: &[Coding]) -> Option<Coding> {
    let accept: Vec<&str> = accept_encoding?
        .split(',')
        .map(str::trim)
        .filter(|element| !element.is_empty())
        .collect();
    let mut best: Option<(u16, Coding)> = None;
    for coding in Coding::ALL {
        if !available.contains(&coding) {
            continue;
        }
        let q = quality(&accept, coding);
        if q > 0 && best.is_none_or(|(best_q, _)| q > best_q) {
            best = Some((q, coding));
        }
    }
    best.map(|(_, coding)| coding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Coding::{Brotli, Gzip};

    const BOTH: [Coding; 2] = [Brotli, Gzip];

    #[test]
    fn the_best_accepted_variant_wins() {
        assert_eq!(choose(Some("gzip, deflate, br"), &BOTH), Some(Brotli));
        assert_eq!(choose(Some("gzip, deflate, br"), &[Gzip]), Some(Gzip));
        assert_eq!(choose(Some("gzip;q=1.0, br;q=0.5"), &BOTH), Some(Gzip));
        assert_eq!(choose(Some("GZIP"), &BOTH), Some(Gzip));
        assert_eq!(choose(Some("x-gzip"), &BOTH), Some(Gzip));
        assert_eq!(choose(Some("*"), &BOTH), Some(Brotli));
        assert_eq!(choose(Some("deflate"), &BOTH), None);
        assert_eq!(choose(None, &BOTH), None);
        assert_eq!(choose(Some("br"), &[]), None);
    }

    #[test]
    fn q_zero_refuses_a_coding_even_under_a_star() {
        assert_eq!(choose(Some("br;q=0, gzip"), &BOTH), Some(Gzip));
        assert_eq!(choose(Some("*;q=0"), &BOTH), None);
        assert_eq!(choose(Some("*, br;q=0"), &BOTH), Some(Gzip));
        assert_eq!(choose(Some("gzip;q=0.000, br;q=0"), &BOTH), None);
        assert_eq!(choose(Some("gzip; q=0.001"), &BOTH), Some(Gzip));
    }

    #[test]
    fn malformed_q_values_are_ignored() {
        assert_eq!(parse_q("0.5"), Some(500));
        assert_eq!(parse_q("1.000"), Some(1000));
        assert_eq!(parse_q("1.5"), None);
        assert_eq!(parse_q("0.1234"), None);
        assert_eq!(parse_q("2"), None);
        assert_eq!(choose(Some("br;q=2, gzip;q=0.3"), &BOTH), Some(Gzip));
    }
}
