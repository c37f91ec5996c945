#!/usr/bin/env bash
# Builds every fuzz target once, then runs each for SECONDS, JOBS at a time
# (default 1), niced, and prints one line per target: name, executions,
# crashes found.
#
#   fuzz/run-all.sh SECONDS [JOBS]
#
# Corpus: fuzz/corpus/<target>/ (seeded from fuzz/seeds/<target>/, kept
# between runs); crashes, OOMs and timeouts: fuzz/artifacts/<target>/; logs:
# fuzz/logs/<target>.log. Environment:
#   FUZZ_TARGETS="a b"    only these targets (default: all)
#   FUZZ_SANITIZER=none   cargo fuzz --sanitizer (the workspace forbids
#                         `unsafe`, so the default is none: faster; use
#                         `address` to check the dependencies' unsafe code)
#   FUZZ_KEEP_GOING=1     fork mode: keep fuzzing after a crash/OOM/timeout
#   FUZZ_NO_BUILD=1       skip the build (binaries already there)
#   FUZZ_LOCK=/tmp/cargo.lock  lock file held around the build (flock)
set -euo pipefail

usage() { echo "usage: $0 SECONDS [JOBS]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
SECONDS_PER_TARGET=$1
JOBS=${2:-1}
[[ $SECONDS_PER_TARGET =~ ^[0-9]+$ && $JOBS =~ ^[1-9][0-9]*$ ]] || usage

FUZZ_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$FUZZ_DIR"

ALL_TARGETS=(yaml_reader entity_ref catalog_tree template_render parameters dockerfile policy_file crossplane costs admission_policy rule_file delivery_metrics)
read -r -a TARGETS <<< "${FUZZ_TARGETS:-${ALL_TARGETS[*]}}"
SANITIZER=${FUZZ_SANITIZER:-none}
LOCK=${FUZZ_LOCK:-/tmp/cargo.lock}

# Largest input per target (bytes).
max_len() {
    case $1 in
        entity_ref) echo 512 ;;
        costs | delivery_metrics) echo 8192 ;;
        template_render) echo 4096 ;;
        dockerfile) echo 8192 ;;
        catalog_tree) echo 32768 ;;
        *) echo 16384 ;;
    esac
}

# Dictionary per target (empty: none).
dict() {
    case $1 in
        yaml_reader | catalog_tree | parameters | crossplane | delivery_metrics) echo dicts/yaml.dict ;;
        dockerfile) echo dicts/dockerfile.dict ;;
        policy_file) echo dicts/policy.dict ;;
        template_render) echo dicts/template.dict ;;
        *) echo "" ;;
    esac
}

if [[ -z ${FUZZ_NO_BUILD:-} ]]; then
    echo "== building ${#TARGETS[@]} targets (sanitizer: $SANITIZER)" >&2
    build=(cargo +nightly fuzz build --sanitizer "$SANITIZER" --debug-assertions)
    if command -v flock > /dev/null; then
        flock "$LOCK" nice -n 19 "${build[@]}" >&2
    else
        nice -n 19 "${build[@]}" >&2
    fi
fi

TRIPLE=$(rustc +nightly -vV | sed -n 's/^host: //p')
BIN_DIR=$FUZZ_DIR/target/$TRIPLE/release
mkdir -p logs

run_one() {
    local t=$1
    local bin=$BIN_DIR/$t
    [[ -x $bin ]] || { echo "missing $bin" > "logs/$t.log"; return 0; }
    mkdir -p "corpus/$t" "artifacts/$t"
    if [[ -d seeds/$t ]]; then
        cp -n seeds/"$t"/* "corpus/$t/" 2> /dev/null || true
    fi
    touch "artifacts/$t/.run-start"
    local args=(
        "-max_total_time=$SECONDS_PER_TARGET"
        -rss_limit_mb=2048
        -timeout=10
        "-max_len=$(max_len "$t")"
        -print_final_stats=1
        "-artifact_prefix=artifacts/$t/"
    )
    local d
    d=$(dict "$t")
    [[ -n $d ]] && args+=("-dict=$d")
    if [[ -n ${FUZZ_KEEP_GOING:-} ]]; then
        args+=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
    fi
    # libFuzzer exits non-zero when it finds something; that is a result.
    nice -n 19 "$bin" "${args[@]}" "corpus/$t" > "logs/$t.log" 2>&1 || true
}

echo "== running ${#TARGETS[@]} targets for ${SECONDS_PER_TARGET}s each, $JOBS at a time" >&2
running=0
for t in "${TARGETS[@]}"; do
    if ((running >= JOBS)); then
        wait -n || true
        running=$((running - 1))
    fi
    echo "   start $t" >&2
    run_one "$t" &
    running=$((running + 1))
done
wait || true

# Executions: the final stats line, else (a crash, fork mode) the last
# status line `#N ...`.
executions() {
    local log=logs/$1.log n
    n=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" 2> /dev/null | tail -1)
    if [[ -z $n ]]; then
        n=$(grep -o '^#[0-9]*' "$log" 2> /dev/null | tail -1 | tr -d '#')
    fi
    echo "${n:-0}"
}

printf '%-16s %14s %8s  %s\n' target executions crashes "new artifacts (first 3)"
for t in "${TARGETS[@]}"; do
    mapfile -t new < <(find "artifacts/$t" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) -newer "artifacts/$t/.run-start" 2> /dev/null | sort)
    shown="${new[*]:0:3}"
    ((${#new[@]} > 3)) && shown+=" ..."
    printf '%-16s %14s %8s  %s\n' "$t" "$(executions "$t")" "${#new[@]}" "$shown"
done
