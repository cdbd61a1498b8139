#!/usr/bin/env bash
# Draws HomeSight's module graph with dependency-cruiser and graphviz (issue #16).
#   scripts/architecture-graph.sh [ROOT] [NAME]
# ROOT: the checkout to draw (default: this one; e.g. a `git worktree` of an older commit with node_modules
# symlinked). NAME: file prefix in docs/architecture/ (default: after). Writes NAME-folders.svg (one box per
# folder: the readable one), NAME-daemon.svg and NAME-files.svg (every file of daemon/). The rules and options are this
# checkout's .dependency-cruiser.cjs, so two drawings compare like with like; a rule broken shows as a red edge.
# NAME-daemon.svg is daemon/ alone, one box per folder.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "${1:-$here}" && pwd)"
name="${2:-after}"
out="$here/docs/architecture"
command -v dot >/dev/null || { echo "graphviz's dot is missing: sudo apt-get install graphviz" >&2; exit 69; }
mkdir -p "$out"
cruise() { (cd "$root" && "$here/node_modules/.bin/depcruise" --config "$here/.dependency-cruiser.cjs" "$@"); }
dirs=()
for d in daemon cloud bench bin; do [ -d "$root/$d" ] && dirs+=("$d"); done
# Folder level: daemon/<folder>, cloud/<folder>, bench/<folder>; files directly under daemon/ stay files.
cruise --output-type dot --include-only '^(daemon|cloud|bench|bin)/' --collapse '^(daemon|cloud|bench)/[^/]+/|^bin/' "${dirs[@]}" \
  | dot -Tsvg > "$out/$name-folders.svg"
# The daemon alone, one box per folder: its layers (contracts, config and system at the bottom).
cruise --output-type dot --include-only '^daemon/' --collapse '^daemon/[^/]+/' daemon | dot -Tsvg > "$out/$name-daemon.svg"
cruise --output-type dot --include-only '^daemon/' daemon | dot -Tsvg > "$out/$name-files.svg"
echo "wrote $out/$name-folders.svg, $out/$name-daemon.svg and $out/$name-files.svg"
