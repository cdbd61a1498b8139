/**
 * Child process of the memory benchmark: opens an existing database the way
 * the daemon does (integrity check included), runs the agent's queries through
 * the store and the same SQL through bare prepared statements, and prints one
 * JSON line: open time, latencies, and the RSS of a process holding the DB.
 *
 *   node --import tsx bench/memory/queries.ts FILE FROM_MS TO_MS ITERATIONS
 */
import { EventStore, MemoryStore } from '../../daemon/memory/index.js';
import { EXIT, silentLogger, systemClock, zonedDay } from '../../daemon/system/index.js';
import { pct } from '../support/stats.js';
import { CAMERAS, PEOPLE, prng } from './synthetic.js';

const [file, fromArg, toArg, itArg] = process.argv.slice(2);
if (file === undefined || fromArg === undefined || toArg === undefined) {
  process.stderr.write('usage: queries.ts FILE FROM_MS TO_MS [ITERATIONS]\n');
  process.exit(EXIT.USAGE);
}
const from = Number(fromArg);
const to = Number(toArg);
const iterations = Number(itArg ?? 2000);

const round = (x: number): number => Math.round(x * 1000) / 1000;

const rssBaseline = process.memoryUsage().rss;
const t0 = performance.now();
const store = new MemoryStore({ file, log: silentLogger(), clock: systemClock, integrityCheck: 'full' });
const openMs = performance.now() - t0;
const integrityMs = store.integrityMs;
const tq = performance.now();
store.db.pragma('quick_check');
const quickCheckMs = performance.now() - tq;

const rand = prng(42);
const HOUR = 3_600_000;
const windows = Array.from({ length: iterations }, () => {
  const start = Math.floor(from + rand() * (to - from - HOUR));
  return {
    start,
    end: start + HOUR,
    camera: CAMERAS[Math.floor(rand() * CAMERAS.length)]!,
    person: PEOPLE[Math.floor(rand() * PEOPLE.length)]!,
  };
});

// The exact SQL eventsBetween runs, as a bare prepared statement (no row mapping, no layer).
const bareRange = store.db.prepare(EventStore.eventsBetweenSql({ camera: 'x' }));
const bareLast = store.db.prepare('SELECT * FROM events WHERE identity = ? ORDER BY t_start DESC LIMIT 1');
// The lower bound eventsBetween derives from the longest closed event.
const maxClosed = Number(store.db.prepare("SELECT value FROM meta WHERE key = 'events.max_closed_ms'").pluck().get() ?? 0);

// Warm-up: touch the indexes the way the measured loop will.
for (const w of windows.slice(0, Math.min(200, iterations))) {
  store.events.eventsBetween({ start: w.start, end: w.end, camera: w.camera });
  bareRange.all({ start: w.start, end: w.end, lo: w.start - maxClosed, camera: w.camera, limit: 1000 });
}

const ours: number[] = [];
const oursCpu: number[] = [];
const bare: number[] = [];
let rows = 0;
for (const w of windows) {
  const cpu0 = process.cpuUsage();
  const a = performance.now();
  const r = store.events.eventsBetween({ start: w.start, end: w.end, camera: w.camera });
  const b = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const c = performance.now();
  bareRange.all({ start: w.start, end: w.end, lo: w.start - maxClosed, camera: w.camera, limit: 1000 });
  const d = performance.now();
  ours.push(b - a);
  oursCpu.push((cpu.user + cpu.system) / 1000);
  bare.push(d - c);
  rows += r.length;
}

const lastOurs: number[] = [];
const lastBare: number[] = [];
for (const w of windows) {
  const a = performance.now();
  store.events.lastSeen(w.person);
  const b = performance.now();
  bareLast.get(w.person);
  const c = performance.now();
  lastOurs.push(b - a);
  lastBare.push(c - b);
}

const who: number[] = [];
const timeline: number[] = [];
const agg: number[] = [];
for (const w of windows.slice(0, Math.min(500, iterations))) {
  let a = performance.now();
  store.events.whoWasWhere({ start: w.start, end: w.end });
  who.push(performance.now() - a);
  a = performance.now();
  store.events.timeline(w.person, zonedDay(w.start, 'Europe/Berlin'), 'Europe/Berlin');
  timeline.push(performance.now() - a);
  a = performance.now();
  store.events.aggregate({ start: w.start, end: w.start + 24 * HOUR, groupBy: 'activity', metric: 'duration' });
  agg.push(performance.now() - a);
}

// The naive overlap query (no lower bound on start) for contrast, few runs: it scans a camera's whole history.
const naive = store.db.prepare(
  'SELECT * FROM events WHERE camera = @camera AND t_start < @end AND (t_end IS NULL OR t_end > @start) ORDER BY t_start LIMIT 1000',
);
const naiveMs: number[] = [];
for (const w of windows.slice(0, 10)) {
  const a = performance.now();
  naive.all({ camera: w.camera, start: w.start, end: w.end });
  naiveMs.push(performance.now() - a);
}

const stats = store.stats();
const rss = process.memoryUsage().rss;
store.close();

process.stdout.write(
  JSON.stringify({
    open_ms: round(openMs),
    integrity_check_ms: round(integrityMs),
    quick_check_ms: round(quickCheckMs),
    events: stats.events,
    db_bytes: stats.fileBytes + stats.walBytes,
    range_camera_p50_ms: round(pct(ours, 50)),
    range_camera_p95_ms: round(pct(ours, 95)),
    range_camera_cpu_p50_ms: round(pct(oursCpu, 50)),
    range_camera_cpu_p95_ms: round(pct(oursCpu, 95)),
    range_camera_bare_p50_ms: round(pct(bare, 50)),
    range_camera_bare_p95_ms: round(pct(bare, 95)),
    range_camera_rows_avg: round(rows / windows.length),
    last_seen_p50_ms: round(pct(lastOurs, 50)),
    last_seen_p95_ms: round(pct(lastOurs, 95)),
    last_seen_bare_p50_ms: round(pct(lastBare, 50)),
    last_seen_bare_p95_ms: round(pct(lastBare, 95)),
    who_was_where_1h_p95_ms: round(pct(who, 95)),
    timeline_day_p95_ms: round(pct(timeline, 95)),
    aggregate_day_duration_p95_ms: round(pct(agg, 95)),
    naive_overlap_query_p50_ms: round(pct(naiveMs, 50)),
    rss_mb: round(rss / 2 ** 20),
    rss_before_open_mb: round(rssBaseline / 2 ** 20),
  }) + '\n',
);
