/**
 * The tier map (test/tiers.ts): every test file is in exactly one tier, no pattern is stale, and no standalone
 * test starts a system binary (directly or through the test helpers that do).
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { ROOT, SYSTEM, TIER_NAMES, matches, testFiles, tierOf } from '../tiers.js';

const repo = new URL('../../', import.meta.url).pathname;
const files = testFiles(repo);

/** What a test that needs a system binary calls: the binary itself, or a helper of test/ that runs one. */
const SYSTEM_MARKERS: ReadonlyArray<[string, RegExp]> = [
  [
    'a system binary',
    new RegExp(
      /\b(?:spawn|spawnSync|execFile|execFileSync|exec|execSync)\(\s*['"`]/.source +
        /(?:mosquitto|mosquitto_passwd|ffmpeg|ffprobe|gst-launch-1\.0|python3|chromium|systemd-analyze|openssl|mount)\b/.source,
    ),
  ],
  ['the mosquitto helper', /\bnew Mosquitto\(|\bmakePki\(/],
  ['an ffmpeg or GStreamer helper', /\b(?:videoFrames|ffmpegRun|h264Clip|counterClip|startRtspServer|startPublisher|labelPlazaClip)\(/],
  ['chromium', /\bchromium\.launch\(/],
  ['a Python helper', /\b(?:findPython|plannerPython|notifyReceiver)\(/],
];

t.test('every test file is in exactly one tier', async (t) => {
  t.ok(files.length > 50, `${files.length} test files`);
  const byTier = Object.fromEntries(TIER_NAMES.map((tier) => [tier, files.filter((f) => tierOf(f) === tier)]));
  const counted = files.map((f) => [f, TIER_NAMES.filter((tier) => byTier[tier]!.includes(f)).length] as const);
  t.same(
    counted.filter(([, n]) => n !== 1),
    [],
  );
  for (const tier of TIER_NAMES) t.ok(byTier[tier]!.length > 0, `${tier}: ${byTier[tier]!.length} file(s)`);
});

t.test('every pattern of the tier map matches a test file', async (t) => {
  const stale = [...ROOT, ...SYSTEM].filter((p) => !files.some((f) => matches(f, [p])));
  t.same(stale, [], 'remove or fix these patterns in test/tiers.ts');
});

t.test('standalone tests start no system binary', async (t) => {
  const offenders = files
    .filter((f) => tierOf(f) === 'standalone')
    .flatMap((f) => {
      const source = readFileSync(`${repo}${f}`, 'utf8');
      return SYSTEM_MARKERS.filter(([, re]) => re.test(source)).map(([what]) => `${f}: ${what}`);
    });
  t.same(offenders, [], 'add these files to SYSTEM in test/tiers.ts');
});
