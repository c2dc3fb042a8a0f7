#!/bin/sh
# strata import against cp -r, the same trees to the same disk (issue 5's
# targets: 10,000 small files at >= 5,000 files/s; 100 MiB of large files
# at >= 80% of cp's speed). cp's copy is followed by `sync` so both sides
# end with their bytes on disk: strata syncs what it acknowledges.
#
#   cargo build --release && benches/import.sh [WORK_DIR]
#
# WORK_DIR (default: a fresh folder under $TMPDIR, removed after) should be
# on the disk to measure. SMALL_FILES (10000) and LARGE_MIB (100) scale it.
# SERVER=1 also times `strata import --server` into a `strata serve` (of the
# same build) on a fresh data folder of the same disk, then again.
#
# To compare two builds in the same minutes: BASELINE=<other binary> times
# it in every round, right after cp (the two take turns going first); ROUNDS=N (default 1)
# repeats; SCENARIOS="large" (default "small large") picks the trees.
# Source trees already in WORK_DIR are reused.
set -eu
binary=${STRATA:-target/release/strata}
baseline=${BASELINE:-}
rounds=${ROUNDS:-1}
scenarios=${SCENARIOS:-small large}
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/strata-import-bench.XXXXXX")}
small_files=${SMALL_FILES:-10000}
large_mib=${LARGE_MIB:-100}
[ -x "$binary" ] || { echo "build first: cargo build --release" >&2; exit 2; }
mkdir -p "$work"

# Deterministic content: every file differs (no dedup to flatter strata).
make_small() {
    python3 - "$1" "$small_files" <<'PY'
import os, random, sys
root, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(5)
for index in range(count):
    folder = os.path.join(root, "d%03d" % (index // 100))
    os.makedirs(folder, exist_ok=True)
    size = rng.randint(1024, 10 * 1024)
    with open(os.path.join(folder, "f%05d.txt" % index), "wb") as out:
        out.write(rng.randbytes(size))
PY
}
make_large() {
    mkdir -p "$1"
    count=$((large_mib / 10))
    index=0
    while [ "$index" -lt "$count" ]; do
        head -c $((10 * 1024 * 1024)) /dev/urandom > "$1/large$index.bin"
        index=$((index + 1))
    done
}

# Prints seconds (with a fraction) taken by the command.
seconds() {
    start=$(date +%s.%N)
    "$@" > /dev/null
    end=$(date +%s.%N)
    echo "$start $end" | awk '{printf "%.3f", $2 - $1}'
}

run() {
    name=$1 files=$2 bytes=$3
    rm -rf "$work/cp-$name"
    sync
    cp_s=$(seconds sh -c "cp -r '$work/src-$name' '$work/cp-$name' && sync")
    in_turns time_import
    [ "${SERVER:-0}" = 1 ] || return 0
    in_turns time_remote
}

# Runs timer $1 for this build and, with BASELINE, for the baseline: the
# two take turns going first.
in_turns() {
    if [ -n "$baseline" ] && [ $((round % 2)) = 0 ]; then
        "$1" "$baseline" baseline
        "$1" "$binary" strata
    elif [ -n "$baseline" ]; then
        "$1" "$binary" strata
        "$1" "$baseline" baseline
    else
        "$1" "$binary" strata
    fi
}

# Times binary $1 (labelled $2) importing tree $name through its own
# `strata serve` on a fresh data folder, then again (nothing changed).
time_remote() {
    rm -rf "$work/served-$name"
    sync
    "$1" serve --data "$work/served-$name" --listen 127.0.0.1:0 --token bench \
        --access-log off > "$work/serve-$name.out" 2>&1 &
    server=$!
    while ! grep -q listening "$work/serve-$name.out" 2>/dev/null; do sleep 0.1; done
    url=$(sed -n 's/^listening on //p' "$work/serve-$name.out")
    remote_s=$(STRATA_TOKEN=bench seconds "$1" import "$work/src-$name" --server "$url")
    remote_again_s=$(STRATA_TOKEN=bench seconds "$1" import "$work/src-$name" --server "$url")
    kill "$server"
    wait "$server" 2>/dev/null || true
    awk -v n="$name" -v l="$2" -v f="$files" -v b="$bytes" -v c="$cp_s" -v i="$remote_s" \
        -v a="$remote_again_s" \
        'BEGIN {
            printf "%-6s --server %-8s import %7.3f s %9.0f files/s %7.1f MiB/s (%.2fx cp) | again %6.3f s\n", \
                n, l, i, f / i, b / 1048576 / i, c / i, a
        }'
}

# Times binary $1 (labelled $2) importing tree $name into a fresh data
# folder, then again (nothing changed); one line against $cp_s.
time_import() {
    rm -rf "$work/data-$name"
    sync
    import_s=$(seconds "$1" import "$work/src-$name" --data "$work/data-$name")
    again_s=$(seconds "$1" import "$work/src-$name" --data "$work/data-$name")
    awk -v n="$name" -v l="$2" -v f="$files" -v b="$bytes" -v c="$cp_s" -v i="$import_s" \
        -v a="$again_s" \
        'BEGIN {
            printf "%-6s %6d files %8.1f MiB | cp -r+sync %7.3f s %9.0f files/s %7.1f MiB/s", \
                n, f, b / 1048576, c, f / c, b / 1048576 / c
            printf " | %-8s %7.3f s %9.0f files/s %7.1f MiB/s (%.2fx cp)", \
                l, i, f / i, b / 1048576 / i, c / i
            printf " | again %6.3f s\n", a
        }'
}

round=0
while [ "$round" -lt "$rounds" ]; do
    for scenario in $scenarios; do
        case $scenario in
        small)
            [ -d "$work/src-small" ] || make_small "$work/src-small"
            run small "$small_files" "$(du -sb "$work/src-small" | cut -f1)"
            ;;
        large)
            [ -d "$work/src-large" ] || make_large "$work/src-large"
            run large $((large_mib / 10)) "$(du -sb "$work/src-large" | cut -f1)"
            ;;
        esac
    done
    round=$((round + 1))
done
[ $# -ge 1 ] || rm -rf "$work"
