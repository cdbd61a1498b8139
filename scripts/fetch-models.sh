#!/usr/bin/env bash
# Fetches HomeSight's default models into a folder (default: ./models), checking each sha256.
#   scripts/fetch-models.sh [--dest DIR] [--from DIR]
# --from DIR copies from a local folder instead of downloading (e.g. ../shared/models, a USB stick).
# Models without a public ONNX download ("-" in scripts/models.tsv: the MoveNet ONNX files are converted
# from the tfjs release) must come with --from. A file whose sha256 does not match is refused and removed.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DEST=models
FROM=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dest) DEST="$2"; shift 2 ;;
    --from) FROM="$2"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 64 ;;
  esac
done
mkdir -p "$DEST"
total=$(grep -vc '^#' "$HERE/models.tsv")
i=0; failed=0
while IFS=$'\t' read -r file sha url; do
  case "$file" in ''|'#'*) continue ;; esac
  i=$((i + 1))
  out="$DEST/$file"
  if [ -f "$out" ] && [ "$(sha256sum "$out" | cut -d' ' -f1)" = "$sha" ]; then
    echo "[$i/$total] $file: present, sha256 ok"; continue
  fi
  if [ -n "$FROM" ] && [ -f "$FROM/$file" ]; then
    echo "[$i/$total] $file: copying from $FROM"
    cp "$FROM/$file" "$out.part"
  elif [ "$url" != "-" ]; then
    echo "[$i/$total] $file: downloading $url"
    if ! curl -fL --retry 3 --progress-bar -o "$out.part" "$url"; then
      echo "  download failed: $file (no network? use --from DIR)" >&2; rm -f "$out.part"; failed=$((failed + 1)); continue
    fi
  else
    echo "[$i/$total] $file: no public download; pass --from DIR holding it" >&2; failed=$((failed + 1)); continue
  fi
  got=$(sha256sum "$out.part" | cut -d' ' -f1)
  if [ "$got" != "$sha" ]; then
    echo "  sha256 mismatch for $file: expected $sha, got $got — refused" >&2
    rm -f "$out.part"; failed=$((failed + 1)); continue
  fi
  mv "$out.part" "$out"
  echo "  ok"
done < "$HERE/models.tsv"
# agent.llm.model defaults to planner.gguf: put an instruction-tuned GGUF there (stories260K.gguf is a
# 260K-parameter story model for plumbing tests, not a planner; without planner.gguf the retrieval planner answers).
[ "$failed" -eq 0 ] || { echo "$failed model(s) missing" >&2; exit 1; }
echo "models ready in $DEST"
