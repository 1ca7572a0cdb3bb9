#!/usr/bin/env bash
# Run every fuzz target of the module for FUZZTIME each (default 30s): bash deploy/local/fuzz.sh [30s]
# Targets are found with `go test -list '^Fuzz' ./...`; a failing target does not stop the others,
# but the script exits 1 at the end if any failed (the failing input is in the package's testdata/fuzz).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
fuzztime=${1:-${FUZZTIME:-30s}}
GO=${GO:-go}

if ! listing=$("$GO" test -list '^Fuzz' ./... 2>&1); then
    printf '%s\n' "$listing" >&2
    echo "fuzz: listing the fuzz targets failed" >&2
    exit 1
fi
# The listing prints a package's target names, then "ok  <package>  <time>".
mapfile -t targets < <(awk '
    /^Fuzz/ { names[n++] = $1; next }
    /^ok[ \t]/ { for (i = 0; i < n; i++) print $2, names[i]; n = 0 }' <<<"$listing")

if [[ ${#targets[@]} -eq 0 ]]; then
    echo "fuzz: no fuzz targets"
    exit 0
fi
echo "fuzz: ${#targets[@]} targets, $fuzztime each"
failed=()
for t in "${targets[@]}"; do
    read -r pkg name <<<"$t"
    echo "==> $pkg $name"
    if ! "$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime 5s "$pkg"; then
        failed+=("$pkg $name")
    fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
    printf 'fuzz: FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "fuzz: all ${#targets[@]} targets passed"
