#!/usr/bin/env bash
# Makes a clean Debian/Ubuntu machine ready for `npm test`:
#   1. installs the system packages listed in scripts/test-packages.txt (apt-get; through sudo when not root);
#   2. installs the npm dependencies (`npm ci`) unless node_modules already matches package-lock.json.
#
#   npm run setup:test        (or: bash scripts/setup-test.sh; .ci/run calls it)
#
# onnxruntime-node's postinstall would download CUDA libraries on linux/x64; the CPU runtime is in the package,
# so it is skipped: package.json's allowScripts denies it (npm ≥ 11) and ONNXRUNTIME_NODE_INSTALL=skip
# covers older npm (the supported switch; a project .npmrc key for it makes npm 11 warn).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "setup-test: needs root or sudo to run: $*" >&2; exit 1
  fi
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-test: no apt-get; on this system install the packages in scripts/test-packages.txt by hand, then run npm ci" >&2
  exit 1
fi

# Package specs (first column; `a|b` = alternatives) that have no installed alternative.
missing=()
while read -r spec _; do
  case "$spec" in '' | '#'*) continue ;; esac
  IFS='|' read -ra alts <<<"$spec"
  have=0
  for p in "${alts[@]}"; do if installed "$p"; then have=1; break; fi; done
  [ "$have" -eq 1 ] || missing+=("$spec")
done <scripts/test-packages.txt

if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  pick=()
  for spec in "${missing[@]}"; do
    IFS='|' read -ra alts <<<"$spec"
    chosen=''
    for p in "${alts[@]}"; do
      if [ -n "$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -v '(none)')" ]; then chosen=$p; break; fi
    done
    if [ -z "$chosen" ]; then echo "setup-test: apt knows none of: ${spec//|/, } (see scripts/test-packages.txt)" >&2; exit 1; fi
    pick+=("$chosen")
  done
  echo "setup-test: installing ${pick[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pick[@]}" >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
else
  echo "setup-test: node_modules matches package-lock.json (delete node_modules to reinstall)"
fi
echo "setup-test: ready; run npm test"
