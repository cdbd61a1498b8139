import t from 'tap';
import {
  HOUSEHOLDS,
  householdAt,
  formatIso,
  resolvePattern,
  sampleTimeExpression,
  Rng,
  TIME_PATTERN_NAMES,
} from '../../bench/datasets/index.js';
import { zonedToUtc, zoneOffsetMs } from '../../daemon/system/index.js';

const H = (id: string, round = 0) => householdAt(HOUSEHOLDS.find((h) => h.id === id)!, round);
const at = (tz: string, y: number, mo: number, d: number, h: number, mi = 0): number =>
  zonedToUtc({ year: y, month: mo, day: d, hour: h, minute: mi }, tz);

t.test('local time ↔ UTC with offsets, across DST changes and half-hour zones', async (t) => {
  t.equal(formatIso(at('Europe/Berlin', 2025, 3, 29, 12), 'Europe/Berlin'), '2025-03-29T12:00:00+01:00');
  t.equal(formatIso(at('Europe/Berlin', 2025, 3, 30, 12), 'Europe/Berlin'), '2025-03-30T12:00:00+02:00', 'after spring forward');
  t.equal(
    formatIso(at('Europe/Berlin', 2025, 3, 30, 2, 30), 'Europe/Berlin'),
    '2025-03-30T03:30:00+02:00',
    'a skipped time resolves forward',
  );
  t.equal(
    formatIso(at('Europe/Berlin', 2025, 10, 26, 2, 30), 'Europe/Berlin'),
    '2025-10-26T02:30:00+02:00',
    'a repeated time resolves to its first occurrence',
  );
  t.equal(formatIso(at('Australia/Sydney', 2025, 4, 5, 20), 'Australia/Sydney'), '2025-04-05T20:00:00+11:00');
  t.equal(formatIso(at('Australia/Sydney', 2025, 4, 6, 20), 'Australia/Sydney'), '2025-04-06T20:00:00+10:00', 'southern DST ends in April');
  t.equal(formatIso(at('Asia/Kolkata', 2025, 1, 6, 21), 'Asia/Kolkata'), '2025-01-06T21:00:00+05:30');
  t.equal(formatIso(at('America/New_York', 2025, 3, 9, 12), 'America/New_York'), '2025-03-09T12:00:00-04:00');
  t.equal(formatIso(Date.UTC(2025, 0, 20, 9), 'Europe/London'), '2025-01-20T09:00:00+00:00');
  t.equal(zoneOffsetMs(Date.UTC(2025, 6, 1), 'Europe/London'), 60 * 60_000);
  // a local day across the spring change is 23 hours long
  t.equal((at('Europe/Berlin', 2025, 3, 31, 0) - at('Europe/Berlin', 2025, 3, 30, 0)) / 3_600_000, 23);
});

t.test('"after dinner" means what each household\'s routine says', async (t) => {
  const weber = H('weber'); // dinner 18:00–18:45
  const das = H('das'); // dinner 21:00–21:45, bed 23:00
  const nowW = at(weber.timezone, 2025, 3, 5, 22, 30);
  const nowD = at(das.timezone, 2025, 1, 8, 23, 30);
  let w = null;
  let d = null;
  for (let s = 0; s < 200 && (w === null || d === null); s++) {
    const a = resolvePattern(new Rng(s), weber, nowW, 'vague', 'after_meal');
    if (a !== null && a.text === 'after dinner') w = a;
    const b = resolvePattern(new Rng(s), das, nowD, 'vague', 'after_meal');
    if (b !== null && b.text === 'after dinner') d = b;
  }
  t.ok(w !== null && d !== null, 'found "after dinner" in both');
  t.equal(w!.start, '2025-03-05T18:45:00+01:00');
  t.equal(w!.end, '2025-03-05T19:30:00+01:00', 'capped at the next routine (bedtime 19:30)');
  t.equal(d!.start, '2025-01-08T21:45:00+05:30');
  t.equal(d!.end, '2025-01-08T23:00:00+05:30', 'capped at bedtime 23:00');
});

t.test("routine phrases pick the latest finished occurrence, yesterday when today's has not happened", async (t) => {
  const okafor = H('okafor');
  const now = at(okafor.timezone, 2025, 1, 22, 10, 0); // Wednesday morning, before lunch
  let lunch = null;
  for (let s = 0; s < 300 && lunch === null; s++) {
    const e = resolvePattern(new Rng(s), okafor, now, 'vague', 'routine');
    if (e !== null && e.pattern === 'vague.routine.lunch') lunch = e;
  }
  t.ok(lunch !== null);
  t.match(lunch!.text, /yesterday/);
  t.equal(lunch!.start, '2025-01-21T12:30:00+00:00');
  t.equal(lunch!.end, '2025-01-21T13:15:00+00:00');
});

t.test('every pattern gives intervals in the past that end no later than now', async (t) => {
  for (const h0 of HOUSEHOLDS) {
    const h = householdAt(h0, 3);
    const rng = new Rng(9);
    for (let i = 0; i < 60; i++) {
      const [y, m, d] = h.rounds[3]!.start.split('-').map(Number) as [number, number, number];
      const now = at(h.timezone, y, m, d + (i % 10), 8 + (i % 15), (i * 7) % 60);
      for (const kind of ['absolute', 'relative', 'vague'] as const) {
        for (const name of TIME_PATTERN_NAMES[kind]) {
          const e = resolvePattern(rng, h, now, kind, name);
          if (e === null) continue;
          if (!(e.startMs < e.endMs && e.endMs <= now))
            t.fail(`${h.id} ${e.pattern} "${e.text}" ${e.start}–${e.end} at ${formatIso(now, h.timezone)}`);
          if (!/[+-]\d{2}:\d{2}$/.test(e.start)) t.fail('offset missing');
        }
        t.not(sampleTimeExpression(rng, h, now, kind), undefined);
      }
    }
  }
  t.pass('checked');
});

t.test('vocabulary shapes phrases: "this arvo" only where the household says arvo', async (t) => {
  const harbour = H('harbour');
  const weber = H('weber');
  const words = (h: typeof harbour): Set<string> => {
    const out = new Set<string>();
    for (let s = 0; s < 100; s++) {
      const e = resolvePattern(new Rng(s), h, at(h.timezone, 2025, 3, 5, 18), 'vague', 'this_afternoon');
      if (e !== null) out.add(e.text);
    }
    return out;
  };
  t.ok(words(harbour).has('this arvo'));
  t.notOk(words(weber).has('this arvo'));
});
