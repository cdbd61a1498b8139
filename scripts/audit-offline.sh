#!/usr/bin/env bash
# Dependency audit of the production tree (issue 12; results in docs/RELIABILITY.md, "Dependency audit (offline)").
#
#   scripts/audit-offline.sh            # npm audit if the advisory endpoint answers, else the offline checks
#   scripts/audit-offline.sh --list     # also print every production package as name@version
#
# 1. Runs `npm audit --omit=dev`. When the registry answers, that report is the result and its exit code is
#    passed through.
# 2. When the advisory endpoint does not answer (the registry mirror of the build machines and CI answers
#    `405 Method Not Allowed` to POST /-/npm/v1/security/advisories/bulk), it prints what can be checked
#    without it and exits 2, so the output is never mistaken for a clean audit:
#    - the production tree (`npm ls --omit=dev --all`): how many packages, with --list every name@version;
#    - newer releases inside the declared ranges (`npm outdated --all --omit=dev --prefer-offline`), i.e. what a
#      lockfile refresh would take without touching package.json;
#    - versions known to have been published by attackers (2025 npm account takeovers), and worm marker
#      files in node_modules;
#    - packages that run install scripts;
#    - the native code bundled in packages (SQLite, libvips & co., llama.cpp) and the ffmpeg the daemon would use.
#    Matching these against advisories is the manual part; docs/RELIABILITY.md records the last review.
set -uo pipefail
cd "$(dirname "$0")/.."

list=0
[ "${1:-}" = "--list" ] && list=1

audit_out=$(npm audit --omit=dev 2>&1)
audit_rc=$?
if ! grep -qE 'audit endpoint returned an error|ENOTFOUND|ECONNREFUSED|EAI_AGAIN|405 Method Not Allowed' <<<"$audit_out"; then
  printf '%s\n' "$audit_out"
  exit "$audit_rc"
fi

echo "npm audit did not run: $(grep -m1 -E '405|ENOTFOUND|ECONNREFUSED|EAI_AGAIN|endpoint' <<<"$audit_out" | sed 's/^npm [a-z]* //')"
echo "Offline checks follow. This is NOT a clean audit: advisories must be matched by hand (docs/RELIABILITY.md)."
echo

npm ls --omit=dev --all --json 2>/dev/null >"${TMPDIR:-/tmp}/hs-audit-tree.$$.json"
npm outdated --all --omit=dev --prefer-offline --json 2>/dev/null >"${TMPDIR:-/tmp}/hs-audit-outdated.$$.json"
HS_TREE="${TMPDIR:-/tmp}/hs-audit-tree.$$.json" HS_OUTDATED="${TMPDIR:-/tmp}/hs-audit-outdated.$$.json" HS_LIST=$list \
node --input-type=module <<'EOF'
import { readFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const tree = JSON.parse(readFileSync(process.env.HS_TREE, 'utf8') || '{}');
const pkgs = new Map();
const walk = (deps) => {
  for (const [name, d] of Object.entries(deps ?? {})) {
    if (d.version !== undefined && !d.resolved?.startsWith('file:')) pkgs.set(`${name}@${d.version}`, name);
    walk(d.dependencies);
  }
};
walk(tree.dependencies);
console.log(
  `production tree: ${pkgs.size} name@version (${new Set(pkgs.values()).size} names), ` +
    `direct: ${Object.keys(tree.dependencies ?? {}).length}`,
);
if (process.env.HS_LIST === '1') for (const k of [...pkgs.keys()].sort()) console.log(`  ${k}`);

let outdated = {};
try { outdated = JSON.parse(readFileSync(process.env.HS_OUTDATED, 'utf8') || '{}'); } catch { /* npm outdated failed */ }
const inRange = new Set();
for (const [name, rows] of Object.entries(outdated)) {
  for (const r of [].concat(rows)) if (r.current && r.wanted && r.current !== r.wanted) inRange.add(`${name} ${r.current} -> ${r.wanted}`);
}
console.log(`\nnewer releases inside the declared ranges (a lockfile refresh would take them): ${inRange.size}`);
for (const l of [...inRange].sort()) console.log(`  ${l}`);

// Versions published by attackers (Sept 2025 account takeovers: debug/chalk family, @ctrl/tinycolor; Aug 2025 nx).
const bad = {
  debug: ['4.4.2'], chalk: ['5.6.1'], 'ansi-styles': ['6.2.2'], 'ansi-regex': ['6.2.1'], 'strip-ansi': ['7.1.1'],
  'supports-color': ['10.2.1'], 'wrap-ansi': ['9.0.1'], 'color-convert': ['3.1.1'], 'color-name': ['2.0.1'],
  'slice-ansi': ['7.1.1'], 'is-arrayish': ['0.3.3'], 'simple-swizzle': ['0.2.3'], 'error-ex': ['1.3.3'],
  'color-string': ['2.1.1'], color: ['5.0.1'], 'has-ansi': ['6.0.1'], 'chalk-template': ['1.1.1'],
  'supports-hyperlinks': ['4.1.1'], backslash: ['0.2.1'], '@ctrl/tinycolor': ['4.1.1', '4.1.2'],
  nx: ['20.9.0', '20.10.0', '20.11.0', '20.12.0', '21.5.0', '21.6.0', '21.7.0', '21.8.0'],
};
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const hits = [];
for (const [path, p] of Object.entries(lock.packages)) {
  const name = path.replace(/^.*node_modules\//, '');
  if (bad[name]?.includes(p.version)) hits.push(`${path}@${p.version}`);
}
const markers = ['setup_bun.js', 'bun_environment.js', 'shai-hulud-workflow.yml', 'truffleSecrets.json'];
const found = [];
const scan = (dir, depth) => {
  if (depth > 4 || !existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && !e.isSymbolicLink()) scan(p, depth + 1);
    else if (markers.includes(e.name)) found.push(p);
  }
};
scan('node_modules', 0);
console.log(`\nknown-malicious versions in package-lock.json: ${hits.length === 0 ? 'none' : hits.join(', ')}`);
console.log(`worm marker files in node_modules: ${found.length === 0 ? 'none' : found.join(', ')}`);

const scripts = Object.entries(lock.packages)
  .filter(([path, p]) => path !== '' && !p.dev && p.hasInstallScript && existsSync(path))
  .map(([path, p]) => {
    const s = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')).scripts ?? {};
    const hooks = ['preinstall', 'install', 'postinstall'].filter((k) => s[k]).map((k) => `${k}=${s[k]}`);
    return `${path.replace(/^node_modules\//, '')}@${p.version}: ${hooks.join('; ')}`;
  });
console.log(`\nproduction packages with install scripts (installed here): ${scripts.length}`);
for (const s of scripts) console.log(`  ${s}`);

console.log('\nbundled native code:');
try {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(':memory:');
  console.log(`  SQLite (better-sqlite3): ${db.prepare('select sqlite_version()').pluck().get()}`);
  db.close();
} catch (e) { console.log(`  SQLite: not loadable (${e.message})`); }
try {
  const { default: sharp } = await import('sharp');
  const v = sharp.versions;
  console.log(
    `  sharp ${v.sharp}: libvips ${v.vips}, libheif ${v.heif}, libjpeg(mozjpeg) ${v.mozjpeg}, libpng ${v.png}, ` +
      `libwebp ${v.webp}, libtiff ${v.tiff}, librsvg ${v.rsvg}`,
  );
} catch (e) { console.log(`  sharp: not loadable (${e.message})`); }
const llama = 'node_modules/node-llama-cpp/llama';
if (existsSync(join(llama, 'llama.cpp.info.json'))) {
  const info = JSON.parse(readFileSync(join(llama, 'llama.cpp.info.json'), 'utf8'));
  const bundle = join(llama, 'gitRelease.bundle');
  const source = existsSync(bundle) ? `, source bundle ${(statSync(bundle).size / 1e6).toFixed(0)} MB` : '';
  console.log(`  llama.cpp (node-llama-cpp): ${info.llamaCppGithubRepo} ${info.tag}${source}`);
}
EOF
rm -f "${TMPDIR:-/tmp}/hs-audit-tree.$$.json" "${TMPDIR:-/tmp}/hs-audit-outdated.$$.json"

# llama.cpp snapshot date: the source bundle is one squashed commit.
bundle=node_modules/node-llama-cpp/llama/gitRelease.bundle
if [ -f "$bundle" ] && command -v git >/dev/null; then
  tmp=$(mktemp -d)
  if git -C "$tmp" init -q && git -C "$tmp" fetch -q "$(pwd)/$bundle" HEAD 2>/dev/null; then
    echo "  llama.cpp snapshot commit date: $(git -C "$tmp" log -1 --format=%ci FETCH_HEAD)"
  fi
  rm -rf "$tmp"
fi
# The ffmpeg the daemon uses when ffmpeg.path / FFMPEG_PATH are unset: the one on PATH, else the npm-shipped one.
if command -v ffmpeg >/dev/null; then
  echo "  ffmpeg on PATH (used first): $(ffmpeg -version 2>/dev/null | head -n 1)"
fi
npm_ffmpeg=node_modules/@ffmpeg-installer/linux-x64/ffmpeg
if [ -x "$npm_ffmpeg" ]; then
  echo "  npm-shipped ffmpeg (fallback): $("$npm_ffmpeg" -version 2>/dev/null | head -n 1 | cut -c1-60)"
fi
exit 2
