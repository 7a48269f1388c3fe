#!/usr/bin/env bash
# Tests for scripts/check-links.sh: a small repository that passes, then the same repository
# with one bad citation added at a time, each of which must fail with its file and line named.
# check-links: skip-file (the cases below cite missing and outside files on purpose)
set -euo pipefail
export LC_ALL=C.UTF-8
check=$(cd "$(dirname "$0")" && pwd)/check-links.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make_repo() { # a repository whose every citation resolves
  local dir=$1
  mkdir -p "$dir/docs" "$dir/src"
  printf '# Notes\n\n## 1. First\n\n### 1.2 Second\n\nSee §1 and §1.2.\n' >"$dir/docs/NOTES.md"
  printf '// docs/NOTES.md §1.2, §1–§1.2; docs/NOTES.md\n// https://example.com/x/MISSING.md\n' >"$dir/src/lib.rs"
  printf 'See [notes](docs/NOTES.md) and [again](./docs/NOTES.md).\n' >"$dir/README.md"
  printf 'Back to [the top](../README.md).\n' >"$dir/docs/OTHER.md"
  git -C "$dir" init -q
}

passed=0
expect_pass() {
  local out
  out=$("$check" "$1" 2>&1) || { printf 'FAIL: %s should pass:\n%s\n' "$1" "$out" >&2; exit 1; }
  passed=$((passed + 1))
}
expect_fail() { # name, file, content, the message's expected part
  local dir="$tmp/$1" out status=0
  make_repo "$dir"
  mkdir -p "$(dirname "$dir/$2")"
  printf '%s\n' "$3" >"$dir/$2"
  out=$("$check" "$dir" 2>&1) || status=$?
  if [ "$status" -ne 1 ] || ! grep -qF -- "$2:1: $4" <<<"$out"; then
    printf 'FAIL: %s: expected exit 1 and "%s:1: %s", got %s:\n%s\n' "$1" "$2" "$4" "$status" "$out" >&2
    exit 1
  fi
  passed=$((passed + 1))
}

make_repo "$tmp/good"
expect_pass "$tmp/good"

up=.. # spelled apart so that this file does not cite what it forbids
expect_fail shared src/a.rs "// see $up/shared/POPBILL-PROTOCOL.md §1" "cites a file outside the repository: $up/shared/"
expect_fail absolute src/b.rs "// /work/shared/popbill-error-codes.json" "cites a file outside the repository: /work/shared"
expect_fail missing-md src/c.rs "// POPBILL-PROTOCOL.md §1.3" "cites POPBILL-PROTOCOL.md, which is not in the repository"
expect_fail missing-doc scripts/d.sh "# docs/MISSING.md" "cites docs/MISSING.md, which is not in the repository"
expect_fail missing-asset src/e.rs '// writes docs/chart.svg' "cites docs/chart.svg, which is not in the repository"
expect_fail relative docs/F.md 'See [x](NOTES2.md).' "cites NOTES2.md, which is not in the repository"
expect_fail no-section src/g.rs "// docs/NOTES.md §1.3" "cites docs/NOTES.md §1.3, which has no such section"
expect_fail range-end src/h.rs "// docs/NOTES.md §1–2" "cites docs/NOTES.md §2, which has no such section"
expect_fail own-section docs/I.md $'See §2 below.\n\n## 1. One' "cites docs/I.md §2, which has no such section"
expect_fail no-document src/j.rs "// as §1.2 says" "§1.2 names no document"
echo "check-links tests: $passed passed"
