#!/usr/bin/env bash
# The repository stands on its own: every document that code, scripts or docs cite is in it.
#
#   scripts/check-links.sh [DIR]     (DIR: a git work tree; default: this repository)
#
# Checks every tracked or new (not ignored) text file and fails, naming file and line, on:
#   - a path into the shared reference folder beside the repository (up one level, `shared/`)
#     or an absolute path to a *.md file: both lie outside the repository;
#   - a *.md path, or any docs/... path, that is not a file of the repository, resolved
#     against the citing file's folder and then the repository root;
#   - a § citation ("docs/PROTOCOL.md §3.1", "§1.2–1.4", "§3–§6") of a section that the cited
#     document has no heading for. A § on a line without a *.md path refers to the file
#     itself when that is a *.md file; in any other file it must name its document.
# A file holding this check's own test cases opts out with a line containing
# "check-links: skip-file".
set -euo pipefail
export LC_ALL=C.UTF-8
root=$(cd "${1:-$(dirname "$0")/..}" && pwd -P)
cd "$root"

failures=0
fail() { printf '%s: %s\n' "$1" "$2" >&2; failures=$((failures + 1)); }

mapfile -t files < <(git ls-files --cached --others --exclude-standard \
  | grep -vE '(^|/)(Cargo\.lock|package-lock\.json)$|\.(svg|png|jpg|wasm)$')
[ "${#files[@]}" -gt 0 ] || { echo "check-links: no files under $root" >&2; exit 1; }
existing=()
skip_marker="check-links"": skip-file" # in pieces, or this file would skip itself
for f in "${files[@]}"; do
  [ -f "$f" ] && ! grep -qF "$skip_marker" "$f" && existing+=("$f")
done

# A path-like token that does not continue a word, a URL or another path.
start='(?<![\w.:/@~$-])'
md_path="${start}(?:\.\.?/)*(?:[\w-][\w.-]*/)*[\w-][\w.-]*\.md\b"
docs_path="${start}(?:\.\.?/)*docs/[\w.-]*\w(?:/[\w.-]*\w)*"

# Resolve a cited path for a citing file: the path (inside the repository) or nothing.
resolve() {
  local citing=$1 cited=$2 dir candidate
  dir=$(dirname "$citing")
  for candidate in "$dir/$cited" "$cited"; do
    candidate=$(realpath -m "$root/$candidate")
    case $candidate in "$root"/*) ;; *) continue ;; esac
    if [ -f "$candidate" ]; then
      printf '%s\n' "${candidate#"$root"/}"
      return 0
    fi
  done
  return 1
}

# Split grep -nHo output "file:line:match".
split_hit() { file=${1%%:*}; rest=${1#*:}; line=${rest%%:*}; match=${rest#*:}; }

# 1. Outside the repository.
# (The patterns are spelled in pieces so that this file does not cite what it forbids.)
up='\.\./' shared='shared' end="[^\\s)\`'\":,]*"
outside="${start}(?:$up)+$shared/$end|${start}/work/$shared\b$end|${start}/[\w./-]+\.md\b"
while IFS= read -r hit; do
  split_hit "$hit"
  fail "$file:$line" "cites a file outside the repository: $match"
done < <(grep -nHIoP "$outside" -- "${existing[@]}" || true)

# 2. Cited documents that do not exist.
while IFS= read -r hit; do
  split_hit "$hit"
  resolve "$file" "$match" >/dev/null || fail "$file:$line" "cites $match, which is not in the repository"
done < <(grep -nHIoP "$md_path|$docs_path" -- "${existing[@]}" || true)

# 3. § citations name sections that exist. Read each line's documents and § references in
# order: a reference belongs to the last document named before it on the line.
sections_of() { grep -oP '^#{1,6}\s+\K\d+(?:\.\d+)*(?=\.?\s)' "$1" || true; }
section_ref='§[\d.]*\d(?:\s*[–-]\s*§?[\d.]*\d)?'
while IFS= read -r hit; do
  split_hit "$hit"
  target=""
  [[ $file == *.md ]] && target=$file
  while IFS= read -r token; do
    if [[ $token != §* ]]; then
      target=$(resolve "$file" "$token") || target="?" # a missing document: check 2 reports it
      continue
    fi
    [ "$target" = "?" ] && continue
    if [ -z "$target" ]; then
      fail "$file:$line" "$token names no document (write docs/PROTOCOL.md $token)"
      continue
    fi
    known=$(sections_of "$target")
    for ref in $(grep -oP '[\d.]*\d' <<<"$token"); do
      grep -qxF "$ref" <<<"$known" || fail "$file:$line" "cites $target §$ref, which has no such section"
    done
  done < <(grep -oP "$md_path|$section_ref" <<<"$match" || true)
done < <(grep -nHIP '§[\d.]*\d' -- "${existing[@]}" || true)

if [ "$failures" -gt 0 ]; then
  echo "check-links: $failures citation(s) point outside the repository or nowhere" >&2
  exit 1
fi
echo "check-links: ${#existing[@]} files, every cited document and section exists"
