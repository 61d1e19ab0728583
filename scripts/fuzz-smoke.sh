#!/usr/bin/env bash
# A short, bounded run of every libFuzzer harness: part of `make test`.
#
#   scripts/fuzz-smoke.sh BUILD_DIR [SECONDS]
#
# Runs each BUILD_DIR/tests/fuzz/fuzz_<name> for SECONDS (default 20, or $FUZZ_SMOKE_SECONDS)
# over a temporary copy of tests/fuzz/corpus/<name>/, so the checked-in seeds stay as they are.
# Exits non-zero when a harness crashes, leaks or breaks an invariant; the input that did it
# is kept and its path printed.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 BUILD_DIR [SECONDS]" >&2
    exit 2
fi
build_dir=$1
seconds=${2:-${FUZZ_SMOKE_SECONDS:-20}}
root=$(cd "$(dirname "$0")/.." && pwd)
harness_dir=$build_dir/tests/fuzz

shopt -s nullglob
harnesses=("$harness_dir"/fuzz_*)
if [[ ${#harnesses[@]} -eq 0 ]]; then
    echo "fuzz-smoke: no harnesses in $harness_dir (configure with the fuzz preset)" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/nmq-fuzz-smoke.XXXXXX")
failed=()
for harness in "${harnesses[@]}"; do
    [[ -x $harness && -f $harness ]] || continue
    name=$(basename "$harness")
    name=${name#fuzz_}
    corpus=$work/$name/corpus
    artifacts=$work/$name/artifacts/
    mkdir -p "$corpus" "$artifacts"
    if [[ -d $root/tests/fuzz/corpus/$name ]]; then
        cp -R "$root/tests/fuzz/corpus/$name/." "$corpus/"
    fi
    echo "fuzz-smoke: $name for ${seconds}s"
    if "$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" \
        >"$work/$name/log" 2>&1; then
        grep -E '^stat::number_of_executed_units' "$work/$name/log" || true
    else
        echo "fuzz-smoke: $name FAILED; log: $work/$name/log" >&2
        tail -n 40 "$work/$name/log" >&2
        for a in "$artifacts"*; do echo "fuzz-smoke: reproducer $a" >&2; done
        failed+=("$name")
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz-smoke: failed: ${failed[*]} (kept $work)" >&2
    exit 1
fi
rm -rf "$work"
echo "fuzz-smoke: all harnesses passed"
