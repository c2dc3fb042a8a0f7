#!/bin/sh
# A folder listing over HTTP, as the UI asks for it: `GET
# /api/fs/<folder>/?at=T` of 10,000 entries (issue 5's target: under
# 10 ms) and of 1,000 (the UI's timeline scrub), timed by curl
# (`%{time_total}`: connect, request, the whole JSON received). Prints
# the median, the best and the worst of ROUNDS requests per folder.
#
#   cargo build --release && benches/list.sh [WORK_DIR]
#
# STRATA (default target/release/strata) is the binary; BASELINE, when
# set, is a second binary timed on the same data folder in alternating
# rounds (each round: one server of each, ROUNDS requests each), so the
# two compare in the same minutes. ROUNDS (default 10), REPEAT (3).
set -eu
binary=${STRATA:-target/release/strata}
baseline=${BASELINE:-}
rounds=${ROUNDS:-10}
repeat=${REPEAT:-3}
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/strata-list-bench.XXXXXX")}
[ -x "$binary" ] || { echo "build first: cargo build --release" >&2; exit 2; }
mkdir -p "$work"

# 10,000 and 1,000 small files, one folder each.
if [ ! -d "$work/data" ]; then
    python3 - "$work/src" <<'PY'
import os, sys
root = sys.argv[1]
for folder, count in (("big", 10000), ("mid", 1000)):
    os.makedirs(os.path.join(root, folder), exist_ok=True)
    for index in range(count):
        with open(os.path.join(root, folder, "file-%05d.txt" % index), "w") as out:
            out.write("entry %d of %s\n" % (index, folder))
PY
    "$binary" import "$work/src" --data "$work/data" > /dev/null
fi
# T is whole seconds: wait for the next one, so T is after every claim of
# the import (a T before them would time a 404).
sleep 1
at=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# Prints "median best worst" in ms of $rounds GETs of $1 on server $2.
time_get() {
    i=0
    while [ "$i" -lt "$rounds" ]; do
        curl -s -o /dev/null -w '%{time_total}\n' -H 'Authorization: Bearer bench' "$2$1"
        i=$((i + 1))
    done | sort -n | awk '{ v[NR] = $1 * 1000 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%7.2f %7.2f %7.2f", m, v[1], v[NR]
    }'
}

# One round of binary $1 labelled $2.
round() {
    rm -f "$work/serve.out"
    "$1" serve --data "$work/data" --listen 127.0.0.1:0 --token bench \
        --access-log off > "$work/serve.out" 2>&1 &
    server=$!
    while ! grep -q listening "$work/serve.out" 2>/dev/null; do sleep 0.1; done
    url=$(sed -n 's/^listening on //p' "$work/serve.out" | sed 's,/$,,')
    # Warm the caches (blocks, the token check) once, and check that the
    # listings answer 200 with every entry: never time an error page.
    for folder in big:10000 mid:1000; do
        entries=$(curl -s -H 'Authorization: Bearer bench' "$url/api/fs/${folder%%:*}/?at=$at" |
            python3 -c 'import json, sys; print(len(json.load(sys.stdin).get("entries", [])))')
        [ "$entries" = "${folder#*:}" ] || {
            echo "GET /api/fs/${folder%%:*}/?at=$at listed $entries entries, not ${folder#*:}" >&2
            kill "$server"; exit 1; }
    done
    big=$(time_get "/api/fs/big/?at=$at" "$url")
    mid=$(time_get "/api/fs/mid/?at=$at" "$url")
    kill "$server"
    wait "$server" 2>/dev/null || true
    printf '%-9s 10,000 entries ms (median best worst) %s | 1,000 entries %s\n' "$2" "$big" "$mid"
}

n=0
while [ "$n" -lt "$repeat" ]; do
    [ -z "$baseline" ] || round "$baseline" baseline
    round "$binary" strata
    n=$((n + 1))
done
[ $# -ge 1 ] || rm -rf "$work"
