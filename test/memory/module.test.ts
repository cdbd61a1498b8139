import t from 'tap';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parseConfigText, type HomeSightConfig } from '../../daemon/config/index.js';
import { MemoryModule, memoryDbPath } from '../../daemon/memory/index.js';
import { SCHEMA_VERSION } from '../../daemon/memory/migrations.js';
import { effectiveRetainDays } from '../../daemon/memory/module.js';
import { MODULES } from '../../daemon/modules.js';
import { ManualClock, silentLogger } from '../../daemon/system/index.js';
import { ev, HOUR, tempDir } from './support.js';

const DAY = 24 * HOUR;

function config(dir: string, extra = ''): HomeSightConfig {
  return parseConfigText(
    `paths:\n  data_dir: ${dir}/data\ncameras:\n  porch:\n    room: outside\n    source: {kind: file, ` +
      `path: a.mp4}\n    record: {enabled: true, retain_days: 45}\n  hall:\n    source: {kind: file, path: ` +
      `b.mp4}\n${extra}`,
    'test.yaml',
    { env: {} },
  ).config;
}

t.test('memory is the first factory in MODULES and is essential', async (t) => {
  t.equal(MODULES[0]?.name, 'memory');
  const dir = tempDir(t);
  const m = new MemoryModule({ config: config(dir), log: silentLogger(), clock: new ManualClock(0) });
  t.equal(m.name, 'memory');
  t.equal(m.essential, true);
  t.same(m.dependsOn, []);
  t.throws(() => m.store, { code: 'E_MEMORY_NOT_STARTED' }, 'no store before start');
});

t.test('retention follows the longest recording retention', async (t) => {
  const dir = tempDir(t);
  t.equal(effectiveRetainDays(config(dir)), 45, '30 days asked, footage kept 45');
  t.equal(effectiveRetainDays(config(dir, 'memory:\n  event_retain_days: 60\n')), 60);
  t.equal(effectiveRetainDays(config(dir, 'memory:\n  event_retain_days: 0\n')), 0, '0 keeps forever');
});

t.test('start, health, metrics, retention with snapshots, reload, stop', async (t) => {
  const dir = tempDir(t);
  const cfg = config(dir);
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const metrics = new Registry();
  const m = new MemoryModule({ config: cfg, log: silentLogger(), clock, metrics });
  await m.start(new AbortController().signal);
  t.teardown(() => m.stop());
  t.equal(memoryDbPath(cfg), join(dir, 'data/homesight.db'));
  t.ok(existsSync(join(dir, 'data/homesight.db')), 'db created under paths.data_dir');
  t.same(m.store.cameras.list(), [
    { name: 'hall', room: null },
    { name: 'porch', room: 'outside' },
  ]);

  const now = clock.now();
  mkdirSync(join(dir, 'data/snaps'));
  writeFileSync(join(dir, 'data/snaps/old.jpg'), 'jpeg');
  writeFileSync(join(dir, 'data/snaps/new.jpg'), 'jpeg');
  m.store.events.upsert(ev({ id: 'old', start: now - 50 * DAY, end: now - 50 * DAY + 1000, snapshot: 'snaps/old.jpg' }));
  m.store.events.upsert(ev({ id: 'kept', start: now - 40 * DAY, end: now - 40 * DAY + 1000 }));
  m.store.events.upsert(ev({ id: 'new', start: now - HOUR, end: null, snapshot: join(dir, 'data/snaps/new.jpg') }));
  t.equal(m.store.events.pending, 3);
  const h = m.health();
  t.equal(h.status, 'ok');
  t.match(h.summary, /events, .* MB, 3 pending/);
  t.match(h.details, { pending: 3, schema_version: SCHEMA_VERSION, retain_days: 45, recovered: null });

  t.match(await metrics.metrics(), /homesight_memory_pending_events 3/);
  m.store.events.flush();
  const text = await metrics.metrics();
  t.match(text, /homesight_memory_events 3/);
  t.match(text, /homesight_memory_pending_events 0/);
  t.match(text, /homesight_memory_events_written_total 3/);
  t.match(text, /homesight_memory_flush_seconds_count 1/);

  t.equal(await m.runRetention(), 1, 'older than 45 days deleted');
  t.notOk(existsSync(join(dir, 'data/snaps/old.jpg')), 'its snapshot deleted (relative to data_dir)');
  t.ok(existsSync(join(dir, 'data/snaps/new.jpg')));
  t.same(
    m.store.events.eventsBetween({ start: 0, end: now }).map((e) => e.id),
    ['kept', 'new'],
  );
  t.match(m.health().details, { events: 2, last_retention: { deleted: 1, error: null } });

  const next = config(dir, 'memory:\n  event_retain_days: 90\n  batch_ms: 500\n');
  t.same(m.reload(next), { applied: ['memory.event_retain_days'], needsRestart: ['memory.batch_ms'] });
  t.equal(effectiveRetainDays(next), 90);

  await m.stop();
  t.equal(m.health().status, 'failed', 'closed');
  t.notMatch(await metrics.metrics(), /homesight_memory_/, 'metrics removed at stop');
  // Start again on the same file (e.g. a restart in tests): metrics register again, data is there.
  const m2 = new MemoryModule({ config: cfg, log: silentLogger(), clock, metrics });
  await m2.start(new AbortController().signal);
  t.teardown(() => m2.stop());
  t.equal(m2.store.events.count, 2);
});
