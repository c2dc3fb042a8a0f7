//! Serving benchmark: strata's HTTP server against nginx, same files, same
//! machine, same run, loaded by wrk, with a third column for the 1 KiB
//! scenarios: the floor, a std-only thread-per-connection server that
//! answers a fixed 1 KiB and does nothing else (see [`run_floor`]). Prints
//! one line per scenario and server (median of the rounds: req/s, p99
//! latency, the server's CPU time per request) and the ratios to nginx.
//!
//! Run: `cargo bench --bench http_serve` (needs `nginx` and `wrk`:
//! `apt-get install -y nginx-light wrk`). Options (environment):
//! `ROUNDS` (3), `DURATION` (10s), `SCENARIOS` (comma list of
//! 1k-c64,1k-c256,1k-close,100m,idle), `WRK_GROUP=own` (wrk in a session
//! of its own, see [`wrk_command`]).
//!
//! The server under test is the real `strata::http::Server` with a handler
//! that serves files from a folder the way the site will: one `open` per
//! request, conditional/range helper, `Body::File` (sendfile for large).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use strata::http::access_log::AccessLog;
use strata::http::conditional::{Representation, respond};
use strata::http::{
    Body, Context, Handler, Limits, Request, RequestBody, Response, Server, Status,
};

thread_local! {
    static PATH: std::cell::RefCell<PathBuf> = const { std::cell::RefCell::new(PathBuf::new()) };
}

struct FileHandler {
    root: PathBuf,
}

impl Handler for FileHandler {
    fn handle(&self, request: &Request<'_>, _body: &mut RequestBody<'_>) -> Response {
        // The path is built in a buffer each thread keeps (nginx builds it
        // in its request pool): no allocation per request.
        let opened = PATH.with_borrow_mut(|path| {
            path.as_mut_os_string().clear();
            path.push(&self.root);
            path.push(request.path.trim_start_matches('/'));
            std::fs::File::open(&*path)
        });
        let Ok(file) = opened else {
            return Response::error(Status::NOT_FOUND, "no such file");
        };
        let Ok(metadata) = file.metadata() else {
            return Response::error(Status::INTERNAL_SERVER_ERROR, "stat failed");
        };
        let representation = Representation {
            length: metadata.len(),
            etag: None,
            last_modified: None,
        };
        let content_type = strata::web::mime::content_type(&request.path);
        respond(request, &representation, content_type, |offset, length| {
            Ok(Body::File {
                file,
                offset,
                length,
            })
        })
    }
}

struct Wrk {
    /// Requests completed in the run.
    requests: f64,
    requests_per_second: f64,
    p99_ms: f64,
    transfer_per_second: String,
}

/// The command that runs wrk. With `WRK_GROUP=own`, wrk runs in a session
/// of its own (so a scheduling group of its own on Linux, with the same
/// autogroup nice as this process): the server then shares the cores with
/// its client as a whole, as a service in its own cgroup would, instead of
/// thread by thread. Both servers are measured the same way either way.
fn wrk_command() -> Command {
    if std::env::var("WRK_GROUP").is_ok_and(|group| group == "own") {
        let nice = std::fs::read_to_string("/proc/self/autogroup")
            .ok()
            .and_then(|line| line.split_whitespace().last()?.parse::<i32>().ok())
            .unwrap_or(0);
        let script = format!("echo {nice} > /proc/self/autogroup 2>/dev/null; exec wrk \"$@\"");
        let mut command = Command::new("setsid");
        command.args(["-w", "sh", "-c", &script, "wrk"]);
        command
    } else {
        Command::new("wrk")
    }
}

fn run_wrk(url: &str, connections: u32, duration: &str, close: bool) -> Wrk {
    let mut command = wrk_command();
    command.args([
        "--latency",
        "-t1",
        &format!("-c{connections}"),
        &format!("-d{duration}"),
    ]);
    if close {
        command.args(["-H", "Connection: close"]);
    }
    let output = command
        .arg(url)
        .output()
        .expect("run wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let field = |prefix: &str| -> Option<String> {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .map(|l| l.trim().to_string())
    };
    let requests_per_second = field("Requests/sec:")
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0.0);
    let p99_ms = field("99%")
        .and_then(|l| parse_latency(l.split_whitespace().nth(1)?))
        .unwrap_or(f64::NAN);
    let requests = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    let transfer_per_second = field("Transfer/sec:")
        .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        .unwrap_or_default();
    if text.contains("Non-2xx") || text.contains("Socket errors") {
        eprintln!(
            "wrk reported: {}",
            text.lines()
                .filter(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    Wrk {
        requests,
        requests_per_second,
        p99_ms,
        transfer_per_second,
    }
}

/// One server's figures over the rounds of a scenario.
#[derive(Default)]
struct Samples {
    requests_per_second: Vec<f64>,
    p99_ms: Vec<f64>,
    /// The server's CPU time (user + system) per request: less swayed by
    /// other load on the machine than requests/s.
    cpu_us_per_request: Vec<f64>,
    /// The server's context switches (voluntary and involuntary) per
    /// request: a thread that sleeps in `read` per request shows 1, an
    /// event loop that finds work waiting shows less.
    switches_per_request: Vec<f64>,
    /// wrk's own CPU time per request: the load generator shares the
    /// machine, so what a server costs its client counts too.
    wrk_cpu_us_per_request: Vec<f64>,
    transfer_per_second: String,
}

fn parse_latency(text: &str) -> Option<f64> {
    let (number, factor) = if let Some(v) = text.strip_suffix("us") {
        (v, 0.001)
    } else if let Some(v) = text.strip_suffix("ms") {
        (v, 1.0)
    } else if let Some(v) = text.strip_suffix('s') {
        (v, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}

/// The 1 KiB the fixed handler answers.
static FIXED_BODY: [u8; 1024] = [b'a'; 1024];

/// A handler that answers a fixed 1 KiB to everything (experiments only:
/// it shows what the server costs apart from opening the file).
struct FixedHandler;

impl Handler for FixedHandler {
    fn handle(&self, _request: &Request<'_>, _body: &mut RequestBody<'_>) -> Response {
        Response::with_body(
            Status::OK,
            "text/html; charset=utf-8",
            Body::Static(&FIXED_BODY),
        )
    }
}

/// One strata server to measure. `STRATA_VARIANTS` (experiments) lists
/// several, each measured as a column of its own: `file` (the default:
/// the file handler, access log on), `fixed` (the fixed 1 KiB handler),
/// `nolog` (access log off), `fixed-nolog`.
fn start_strata(root: &Path, log: &Path, variant: &str) -> SocketAddr {
    let limits = Limits {
        connections_per_client_max: 4096,
        workers_max: 4096,
        ..Limits::default()
    };
    let handler: Arc<dyn Handler> = if variant.contains("fixed") {
        Arc::new(FixedHandler)
    } else {
        Arc::new(FileHandler {
            root: root.to_path_buf(),
        })
    };
    let access_log = if variant.contains("nolog") {
        AccessLog::off()
    } else {
        AccessLog::to_file(log).expect("open access log")
    };
    let context = Context {
        handler,
        limits,
        access_log,
        server_name: "strata",
    };
    Server::bind("127.0.0.1:0", context)
        .unwrap()
        .spawn()
        .unwrap()
}

fn start_nginx(root: &Path, folder: &Path) -> (Nginx, SocketAddr) {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let config = format!(
        "worker_processes auto;\ndaemon off;\npid {folder}/nginx.pid;\nerror_log {folder}/nginx-error.log;\n\
         events {{ worker_connections 8192; }}\n\
         http {{\n  access_log {folder}/nginx-access.log;\n  sendfile on;\n  tcp_nopush on;\n\
         keepalive_requests 1000000;\n  client_body_temp_path {folder}/body;\n  proxy_temp_path {folder}/proxy;\n\
         fastcgi_temp_path {folder}/fastcgi;\n  uwsgi_temp_path {folder}/uwsgi;\n  scgi_temp_path {folder}/scgi;\n\
         server {{ listen 127.0.0.1:{port}; root {root}; }}\n}}\n",
        folder = folder.display(),
        root = root.display(),
    );
    let config_path = folder.join("nginx.conf");
    std::fs::write(&config_path, config).unwrap();
    let child = Command::new("nginx")
        .args([
            "-c",
            config_path.to_str().unwrap(),
            "-e",
            folder.join("nginx-error.log").to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run nginx (apt-get install nginx-light)");
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let started = Instant::now();
    while TcpStream::connect(address).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "nginx did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (Nginx(child), address)
}

/// The nginx master process; stopped with SIGTERM when dropped (also on a
/// panic), so that it stops its workers: SIGKILL would leave them running.
struct Nginx(Child);

impl Nginx {
    /// The master's process id (its workers are its children).
    fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let stopped = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .is_ok_and(|status| status.success());
        if !stopped {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// CPU time (user + system) used so far by the processes `pids`, from
/// `/proc` (Linux), in seconds; 0 where it cannot be read.
fn cpu_seconds(pids: &[u32]) -> f64 {
    let ticks_per_second = 100.0; // USER_HZ, fixed at 100 on Linux
    let mut ticks = 0u64;
    for pid in pids {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the parenthesised name: state is 3rd, utime 14th, stime 15th.
        let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        for index in [11, 12] {
            ticks += fields.get(index).and_then(|f| f.parse().ok()).unwrap_or(0);
        }
    }
    ticks as f64 / ticks_per_second
}

/// Context switches (voluntary + involuntary) so far of every thread of the
/// processes `pids`, from `/proc` (Linux); 0 where it cannot be read.
fn context_switches(pids: &[u32]) -> u64 {
    let mut switches = 0;
    for pid in pids {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let Ok(status) = std::fs::read_to_string(task.path().join("status")) else {
                continue;
            };
            switches += status
                .lines()
                .filter(|line| line.contains("ctxt_switches:"))
                .filter_map(|line| line.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    switches
}

/// CPU time (user + system) of this process's children that were waited
/// for (each wrk run), from `/proc/self/stat`, in seconds.
fn waited_children_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // cutime and cstime are the 16th and 17th fields.
    let ticks: u64 = [13, 14]
        .iter()
        .filter_map(|&index| fields.get(index)?.parse::<u64>().ok())
        .sum();
    ticks as f64 / 100.0 // USER_HZ
}

/// The children of process `parent` (nginx's workers), from `/proc`.
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
                after_name.split_whitespace().nth(1) == Some(&parent.to_string())
            })
        })
        .collect()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Opens `count` idle keep-alive connections (each having made one
/// request), then times a request on a new connection.
fn idle_then_new_client(address: SocketAddr, count: usize) -> Duration {
    let mut idle = Vec::with_capacity(count);
    for _ in 0..count {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .write_all(b"GET /1k.html HTTP/1.1\r\nHost: b\r\n\r\n")
            .unwrap();
        let mut buffer = [0u8; 4096];
        let _ = stream.read(&mut buffer).unwrap();
        idle.push(stream);
    }
    let started = Instant::now();
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .write_all(b"GET /1k.html HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let elapsed = started.elapsed();
    assert!(response.starts_with(b"HTTP/1.1 200"));
    drop(idle);
    elapsed
}

/// A server under test: its name, address and the processes whose CPU
/// time and context switches are its own.
struct Target {
    name: String,
    address: SocketAddr,
    pids: Vec<u32>,
    /// Serves only the fixed 1 KiB answer (the floor).
    fixed_answer: bool,
    /// Its context switches can be counted from `/proc`.
    counts_switches: bool,
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` runs benches as tests: nothing to do
    }
    if std::env::var_os(FLOOR_SERVE).is_some() {
        run_floor();
    }
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let duration = std::env::var("DURATION").unwrap_or_else(|_| "10s".into());
    let scenarios =
        std::env::var("SCENARIOS").unwrap_or_else(|_| "1k-c64,1k-c256,1k-close,100m,idle".into());
    let folder = std::env::temp_dir().join(format!("strata-bench-{}", std::process::id()));
    let root = folder.join("root");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("1k.html"), vec![b'a'; 1024]).unwrap();
    if scenarios.contains("100m") {
        let big: Vec<u8> = (0..100 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(root.join("100m.bin"), big).unwrap();
    }
    let variants = std::env::var("STRATA_VARIANTS").unwrap_or_else(|_| "file".into());
    let mut targets: Vec<Target> = Vec::new();
    for variant in variants.split(',') {
        let address = start_strata(&root, &folder.join("strata-access.log"), variant);
        let name = match variant {
            "file" => "strata".to_string(),
            other => format!("s:{other}"),
        };
        targets.push(Target {
            name,
            address,
            pids: vec![std::process::id()],
            fixed_answer: false,
            counts_switches: true,
        });
    }
    let (nginx_child, nginx) = start_nginx(&root, &folder);
    let (floor_child, floor) = start_floor();
    println!(
        "strata at {}, floor at {floor}, nginx at {nginx}; {rounds} rounds of {duration}, medians",
        targets[0].address
    );
    if let Ok(seconds) = std::env::var("SERVE_ONLY") {
        // For experiments by hand (strace, perf): serve all three, run no load.
        std::thread::sleep(Duration::from_secs(seconds.parse().unwrap_or(60)));
        drop(nginx_child);
        drop(floor_child);
        let _ = std::fs::remove_dir_all(&folder);
        return;
    }
    targets.push(Target {
        name: "floor".into(),
        address: floor,
        pids: vec![floor_child.0.id()],
        fixed_answer: true,
        // Its threads end with their connections, and /proc forgets the
        // switches of a thread that ended.
        counts_switches: false,
    });
    targets.push(Target {
        name: "nginx".into(),
        address: nginx,
        pids: children_of(nginx_child.id()),
        fixed_answer: false,
        counts_switches: true,
    });
    println!(
        "{:<12} {:>8} {:>12} {:>10} {:>12} {:>12} {:>9} {:>11}",
        "scenario",
        "server",
        "req/s",
        "p99 ms",
        "transfer/s",
        "cpu us/req",
        "ctx/req",
        "wrk us/req"
    );
    for scenario in scenarios.split(',') {
        if scenario == "idle" {
            for target in &targets {
                let elapsed = idle_then_new_client(target.address, 1000);
                println!(
                    "{:<12} {:>8} new client answered in {:.2} ms with 1000 idle connections open",
                    "idle-1000",
                    &target.name,
                    elapsed.as_secs_f64() * 1000.0
                );
            }
            continue;
        }
        let (path, connections, close) = match scenario {
            "1k-c64" => ("/1k.html", 64, false),
            "1k-c256" => ("/1k.html", 256, false),
            "1k-close" => ("/1k.html", 64, true),
            "100m" => ("/100m.bin", 4, false),
            other => panic!("unknown scenario {other}"),
        };
        // The floor answers 1 KiB to everything: it runs the 1 KiB scenarios only.
        let measured: Vec<&Target> = targets
            .iter()
            .filter(|target| !target.fixed_answer || path == "/1k.html")
            .collect();
        let mut results: Vec<Samples> = measured.iter().map(|_| Samples::default()).collect();
        for _ in 0..rounds {
            for (target, samples) in measured.iter().zip(&mut results) {
                let url = format!("http://{}{path}", target.address);
                measure(target, &url, connections, &duration, close, samples);
            }
        }
        let medians: Vec<[f64; 5]> = measured
            .iter()
            .zip(&mut results)
            .map(|(target, samples)| print_medians(scenario, target, samples))
            .collect();
        let reference = medians.last().expect("nginx is measured");
        for (target, median) in measured
            .iter()
            .zip(&medians)
            .filter(|(t, _)| t.name != "nginx")
        {
            let label = format!("{}/nginx", target.name);
            println!(
                "{scenario:<12} {label:>12} {:>7.2}x {:>9.2}x {:>12} {:>11.2}x {:>9} {:>10.2}x",
                median[0] / reference[0],
                median[1] / reference[1],
                "",
                median[2] / reference[2],
                "",
                median[4] / reference[4],
            );
        }
    }
    drop(nginx_child);
    drop(floor_child);
    let _ = std::fs::remove_dir_all(&folder);
}

/// One wrk run against one server, added to its samples.
fn measure(
    target: &Target,
    url: &str,
    connections: u32,
    duration: &str,
    close: bool,
    samples: &mut Samples,
) {
    let pids = &target.pids;
    let cpu_before = cpu_seconds(pids);
    let switches_before = context_switches(pids);
    let wrk_cpu_before = waited_children_cpu_seconds();
    let wrk = run_wrk(url, connections, duration, close);
    let cpu = cpu_seconds(pids) - cpu_before;
    let switches = context_switches(pids) - switches_before;
    let wrk_cpu = waited_children_cpu_seconds() - wrk_cpu_before;
    let requests = wrk.requests.max(1.0);
    samples.requests_per_second.push(wrk.requests_per_second);
    samples.p99_ms.push(wrk.p99_ms);
    samples.cpu_us_per_request.push(cpu * 1e6 / requests);
    let switches_per_request = if target.counts_switches {
        switches as f64 / requests
    } else {
        f64::NAN
    };
    samples.switches_per_request.push(switches_per_request);
    samples
        .wrk_cpu_us_per_request
        .push(wrk_cpu * 1e6 / requests);
    samples.transfer_per_second = wrk.transfer_per_second;
}

/// Prints one server's medians; returns them (req/s, p99, CPU, switches,
/// wrk CPU).
fn print_medians(scenario: &str, target: &Target, samples: &mut Samples) -> [f64; 5] {
    let name = &target.name;
    let median = [
        median(&mut samples.requests_per_second),
        median(&mut samples.p99_ms),
        median(&mut samples.cpu_us_per_request),
        median(&mut samples.switches_per_request),
        median(&mut samples.wrk_cpu_us_per_request),
    ];
    let [rps, p99, cpu, switches, wrk_cpu] = median;
    println!(
        "{scenario:<12} {name:>8} {rps:>12.0} {p99:>10.2} {:>12} {cpu:>12.1} {switches:>9.2} {wrk_cpu:>11.1}",
        samples.transfer_per_second
    );
    median
}

// ---------------------------------------------------------------------------
// The floor: the least a std-only thread-per-connection server can do for a
// 1 KiB file (a fixed answer, no file, no log, no limits). It runs in a
// process of its own (this binary, started again with `FLOOR_SERVE` set), so
// that its CPU time and context switches are counted apart. What strata
// loses against it is overhead of its own; what the floor loses against
// nginx is the thread model's.

/// The environment variable that makes this binary the floor server.
const FLOOR_SERVE: &str = "HTTP_SERVE_FLOOR";
/// The floor's thread stacks.
const FLOOR_STACK_BYTES: usize = 64 * 1024;

/// The floor's fixed answers: head and 1 KiB body in one buffer, so one write.
fn floor_responses() -> (Vec<u8>, Vec<u8>) {
    let head = "HTTP/1.1 200 OK\r\nDate: Thu, 03 Dec 2026 02:00:00 GMT\r\nServer: floor\r\n\
                Content-Type: text/html; charset=utf-8\r\nContent-Length: 1024\r\n";
    let keep_alive = [head.as_bytes(), b"\r\n", &[b'a'; 1024]].concat();
    let close = [head.as_bytes(), b"Connection: close\r\n\r\n", &[b'a'; 1024]].concat();
    (keep_alive, close)
}

/// Serves the floor on 127.0.0.1 forever; prints its address first.
/// `FLOOR_THREADS=N` (for experiments) has N threads that each accept and
/// serve, instead of one acceptor that starts a thread per connection.
fn run_floor() -> ! {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    println!("{}", listener.local_addr().unwrap());
    let responses = Arc::new(floor_responses());
    let threads: usize = std::env::var("FLOOR_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if threads > 0 {
        let listener = Arc::new(listener);
        for _ in 0..threads {
            let listener = Arc::clone(&listener);
            let responses = Arc::clone(&responses);
            std::thread::Builder::new()
                .stack_size(FLOOR_STACK_BYTES)
                .spawn(move || {
                    loop {
                        if let Ok((stream, _)) = listener.accept() {
                            floor_connection(stream, &responses);
                        }
                    }
                })
                .unwrap();
        }
        loop {
            std::thread::park();
        }
    }
    loop {
        let Ok((stream, _)) = listener.accept() else {
            continue;
        };
        let responses = Arc::clone(&responses);
        let _ = std::thread::Builder::new()
            .stack_size(FLOOR_STACK_BYTES)
            .spawn(move || floor_connection(stream, &responses));
    }
}

/// One connection: blocking reads, answers each complete head in order,
/// closes after one that asks for it.
fn floor_connection(mut stream: TcpStream, (keep_alive, close): &(Vec<u8>, Vec<u8>)) {
    let _ = stream.set_nodelay(true);
    let mut buffer = [0u8; 4096];
    let mut filled = 0;
    loop {
        while let Some(end) = head_end(&buffer[..filled]) {
            let closing = contains_ignoring_case(&buffer[..end], b"connection: close");
            let answer = if closing { close } else { keep_alive };
            if stream.write_all(answer).is_err() || closing {
                return;
            }
            buffer.copy_within(end..filled, 0);
            filled -= end;
        }
        match stream.read(&mut buffer[filled..]) {
            Ok(0) | Err(_) => return,
            Ok(count) => filled += count,
        }
    }
}

/// Where the head in `bytes` ends (after its blank line), if it does.
fn head_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| at + 4)
}

fn contains_ignoring_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle))
}

/// The floor server process; killed when dropped.
struct Floor(Child);

impl Drop for Floor {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts this binary again as the floor server; returns it and its address.
fn start_floor() -> (Floor, SocketAddr) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(FLOOR_SERVE, "1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the floor server");
    let mut line = String::new();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    let address = line.trim().parse().expect("the floor's address");
    (Floor(child), address)
}
