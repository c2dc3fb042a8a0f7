//! Parser benchmark: ns to scan and parse one typical browser request
//! (about 500 bytes: request line, Host, User-Agent, Accept*, Cookie…),
//! including target splitting and percent-decoding.
//!
//! Run: `cargo bench --bench http_parse`. Prints the median of 11 runs.

use std::hint::black_box;
use std::time::Instant;

use strata::http::Limits;
use strata::http::parse::{Head, HeadScanner, parse_head};
use strata::http::target::parse_target;

const REQUEST: &[u8] = b"GET /blog/2026/11/a-post-about-strata.html?ref=home HTTP/1.1\r\n\
Host: www.example.org\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Accept-Language: en-GB,en;q=0.7,fr;q=0.3\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Referer: https://www.example.org/\r\n\
Connection: keep-alive\r\n\
Cookie: theme=dark; session=5f2b8c1e9d\r\n\
Upgrade-Insecure-Requests: 1\r\n\
Sec-Fetch-Dest: document\r\n\
Sec-Fetch-Mode: navigate\r\n\
If-None-Match: \"sha224-0d2f\"\r\n\r\n";

const ITERATIONS: u32 = 1_000_000;
const RUNS: usize = 11;

fn parse_once(limits: &Limits, scanner: &mut HeadScanner, head: &mut Head) -> usize {
    scanner.reset();
    let end = scanner.scan(REQUEST, limits).unwrap().unwrap();
    parse_head(REQUEST, scanner.request_start(), end, limits, head).unwrap();
    let target = parse_target(head.target.of(REQUEST)).unwrap();
    end + target.path.len() + head.headers.len()
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let limits = Limits::default();
    let mut scanner = HeadScanner::default();
    let mut head = Head::default();
    let mut runs = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let mut sum = 0usize;
        for _ in 0..ITERATIONS {
            sum += parse_once(&limits, black_box(&mut scanner), black_box(&mut head));
        }
        black_box(sum);
        runs.push(started.elapsed().as_nanos() as f64 / f64::from(ITERATIONS));
    }
    runs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = runs[RUNS / 2];
    println!(
        "http_parse: {} byte request, {} header fields: {median:.1} ns/request (median of {RUNS}; \
         min {:.1}, max {:.1}); {:.0} MB/s",
        REQUEST.len(),
        head.headers.len(),
        runs[0],
        runs[RUNS - 1],
        REQUEST.len() as f64 / median * 1000.0
    );
}
