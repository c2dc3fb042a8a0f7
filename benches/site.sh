#!/bin/sh
# The website from the store against nginx serving the same files from
# disk (issue 6's targets: a 1 KiB page at no fewer requests/s than nginx
# with `wrk -t1 -c64 -d10s`; a 100 MiB file at >= 90% of its throughput).
#
#   benches/site.sh [WORK_DIR]
#
# Installs nginx-light and wrk when missing (apt-get, as root), builds the
# release binary, puts a 1 KiB page and a 100 MiB file into a temporary
# folder, serves it with nginx (sendfile on, access log on) and imports
# the same folder into a fresh strata data folder's /site, publishes it
# and serves it with `strata serve` (access log on). Rounds alternate
# between the two servers; it prints each run, then medians and ratios.
# Environment: ROUNDS (3), DURATION (10s), SCENARIOS ("1k 100m").
set -eu
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
duration=${DURATION:-10s}
scenarios=${SCENARIOS:-1k 100m}
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/strata-site-bench.XXXXXX")}
mkdir -p "$work"

need() {
    command -v "$1" > /dev/null 2>&1 || [ -x "/usr/sbin/$1" ] && return 0
    echo "installing $2" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" > /dev/null
}
need wrk wrk
need nginx nginx-light
PATH="$PATH:/usr/sbin"
cargo build --release --quiet
binary=target/release/strata

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The files: the same bytes for both servers.
www="$work/www"
rm -rf "$www" "$work/data" "$work/nginx"
mkdir -p "$www" "$work/nginx"
# nginx's workers drop root for an unprivileged user: they must be able to
# read the files (mktemp -d makes a 0700 folder; a 403 page would be
# measured instead of the file).
chmod a+rx "$work" "$www"
python3 - "$www/page.html" <<'PY'
import sys
body = "<!doctype html><title>bench</title><p>" + "strata " * 200
open(sys.argv[1], "w").write(body[:1020] + "</p>\n")
PY
head -c $((100 * 1024 * 1024)) /dev/urandom > "$www/big.bin"

# nginx, as benches/http_serve.rs runs it.
nginx_port=$(free_port)
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 8192; }
http {
  access_log $work/nginx/access.log;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  types { text/html html; application/octet-stream bin; }
  server { listen 127.0.0.1:$nginx_port; root $www; }
}
CONF
nginx -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
nginx_pid=$!

# strata: import, serve, publish.
"$binary" import "$www" /site --data "$work/data" > /dev/null
strata_port=$(free_port)
"$binary" serve --data "$work/data" --listen "127.0.0.1:$strata_port" --token bench \
    --access-log "$work/strata-access.log" > "$work/strata.out" &
strata_pid=$!
trap 'kill $nginx_pid $strata_pid 2> /dev/null || true' EXIT INT TERM
for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$strata_port/healthz" > /dev/null 2>&1 &&
        curl -sf "http://127.0.0.1:$nginx_port/page.html" > /dev/null 2>&1 && break
    sleep 0.1
done
curl -sf -u :bench -X POST "http://127.0.0.1:$strata_port/api/site/publish" > /dev/null
for name in page.html big.bin; do
    for server in strata:$strata_port nginx:$nginx_port; do
        curl -sf "http://127.0.0.1:${server#*:}/$name" | cmp -s - "$www/$name" ||
            { echo "${server%%:*} does not serve $name's bytes" >&2; exit 1; }
    done
done

# One wrk run: prints "requests/s p99_ms MiB/s".
run_wrk() {
    wrk --latency -t1 -c"$2" -d"$duration" "$1" | awk '
        /Requests\/sec/ { rps = $2 }
        /Transfer\/sec/ { t = $2; u = t; sub(/[0-9.]+/, "", u); sub(/[A-Za-z]+/, "", t)
                          mib = (u == "GB") ? t * 1024 : (u == "MB") ? t : (u == "KB") ? t / 1024 : t / 1048576 }
        / 99%/ { p = $2; v = p; sub(/[0-9.]+/, "", v); sub(/[a-z]+/, "", p)
                 p99 = (v == "us") ? p / 1000 : (v == "s") ? p * 1000 : p }
        END { printf "%.0f %.2f %.1f\n", rps, p99, mib }'
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "strata on :$strata_port, nginx on :$nginx_port; $rounds rounds of $duration; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for scenario in $scenarios; do
    case $scenario in
        1k) path=/page.html connections=64 ;;
        100m) path=/big.bin connections=4 ;;
        *) echo "unknown scenario $scenario" >&2; exit 2 ;;
    esac
    : > "$work/$scenario.strata"
    : > "$work/$scenario.nginx"
    round=1
    while [ "$round" -le "$rounds" ]; do
        for server in strata nginx; do
            port=$strata_port
            [ "$server" = nginx ] && port=$nginx_port
            result=$(run_wrk "http://127.0.0.1:$port$path" "$connections")
            echo "$result" >> "$work/$scenario.$server"
            echo "$scenario -c$connections round $round $server: $result" |
                awk '{ printf "%-28s %9s req/s  p99 %7s ms  %8s MiB/s\n", $1" "$2" "$3" "$4" "$5, $6, $7, $8 }'
        done
        round=$((round + 1))
    done
    for column in 1 2 3; do
        s=$(cut -d' ' -f$column "$work/$scenario.strata" | median)
        n=$(cut -d' ' -f$column "$work/$scenario.nginx" | median)
        eval "s$column=$s n$column=$n"
    done
    awk -v sc="$scenario" -v s1="$s1" -v n1="$n1" -v s2="$s2" -v n2="$n2" -v s3="$s3" -v n3="$n3" 'BEGIN {
        printf "%-6s median  strata %9.0f req/s p99 %7.2f ms %8.1f MiB/s | nginx %9.0f req/s p99 %7.2f ms %8.1f MiB/s | ratio %.2fx req/s, %.2fx MiB/s\n", \
            sc, s1, s2, s3, n1, n2, n3, s1 / n1, s3 / n3 }'
done
