import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelPlazaClip, type LabelledPerson } from './support/activity-clip.js';
import { haveShared } from './support/shared.js';

if (!haveShared()) throw new Error('test/vision needs ../shared (models and media): set HOMESIGHT_SHARED_DIR');

const tmp = mkdtempSync(join(tmpdir(), 'hs-activity-clip-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

/** Classes done in place at home: nobody on the plaza does them. */
const IN_PLACE = [
  'cooking',
  'washing_dishes',
  'laying_table',
  'clearing_table',
  'cleaning',
  'eating',
  'drinking',
  'using_laptop',
  'reading',
];
/** Foot-point speeds (body heights/s, from the track's boxes ±1.4 s around a frame) called translating and still. */
const MOVING = 0.25;
const STILL = 0.1;

function tally(rows: readonly LabelledPerson[], key: (r: LabelledPerson) => string | null | undefined): Record<string, number> {
  const m: Record<string, number> = {};
  for (const r of rows) {
    const k = key(r) ?? 'none';
    m[k] = (m[k] ?? 0) + 1;
  }
  return m;
}

// 48–68 s of the plaza clip at 5 fps: twelve-odd pedestrians, a man standing
// still, and a woman walking a slow curve close to the camera whom the rules
// tuned on synthetic skeletons called "cleaning" and "cooking" (arm swing and
// low-confidence wrists read as busy hands).
t.test('plaza clip 48–68 s through the real chain: passers-by walk or stand, never cook or clean', async (t) => {
  const rows = await labelPlazaClip({ startSeconds: 48, seconds: 20, workDir: tmp });
  const tracks = new Set(rows.map((r) => r.track));
  const decided = rows.filter((r) => r.decision !== null);
  const moving = rows.filter((r) => r.speed !== null && r.speed >= MOVING);
  const still = rows.filter((r) => r.speed !== null && r.speed < STILL);
  t.ok(tracks.size >= 8, `${tracks.size} tracks`);
  t.ok(decided.length >= 300, `${decided.length} classifier decisions`);
  t.ok(moving.length >= 150 && still.length >= 50, `${moving.length} translating and ${still.length} still track-frames`);

  const reported = tally(rows, (r) => r.activity);
  const decisions = tally(decided, (r) => r.decision!.activity);
  t.same(
    IN_PLACE.filter((c) => reported[c] !== undefined),
    [],
    `no in-place activity reported: ${JSON.stringify(reported)}`,
  );
  t.same(
    IN_PLACE.filter((c) => decisions[c] !== undefined),
    [],
    `no in-place activity decided: ${JSON.stringify(decisions)}`,
  );

  // Translating: the posture only, and mostly walking.
  const movingLabels = tally(moving, (r) => r.activity);
  t.same(
    Object.keys(movingLabels).filter((k) => !['walking', 'standing', 'none'].includes(k)),
    [],
    `translating track-frames: ${JSON.stringify(movingLabels)}`,
  );
  t.ok((movingLabels.walking ?? 0) > moving.length / 2, `walking is the majority while translating: ${JSON.stringify(movingLabels)}`);
  // Per track: a track that mostly translates is mostly walking.
  const byTrack = new Map<string, LabelledPerson[]>();
  for (const r of rows) byTrack.set(r.track, [...(byTrack.get(r.track) ?? []), r]);
  let movingTracks = 0;
  for (const [id, rs] of byTrack) {
    const speeds = rs.flatMap((r) => (r.speed === null ? [] : [r.speed])).sort((a, b) => a - b);
    if (speeds.length < 10 || speeds[speeds.length >> 1]! < MOVING) continue;
    movingTracks++;
    const labels = tally(
      rs.filter((r) => r.activity !== null),
      (r) => r.activity,
    );
    const top = Object.entries(labels).sort((a, b) => b[1] - a[1])[0]?.[0];
    t.equal(top, 'walking', `${id} (median speed ${speeds[speeds.length >> 1]!.toFixed(2)}): ${JSON.stringify(labels)}`);
  }
  t.ok(movingTracks >= 5, `${movingTracks} translating tracks`);

  // Still people are not all called walking: standing is their majority.
  const stillLabels = tally(still, (r) => r.activity);
  t.ok((stillLabels.standing ?? 0) > still.length / 2, `standing is the majority while still: ${JSON.stringify(stillLabels)}`);
});
