import Database from 'better-sqlite3';
import t from 'tap';
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import { newEventId } from '../../daemon/memory/index.js';
import { FACE_EMBEDDING_DIM } from '../../daemon/memory/identities.js';
import { type FlushInfo } from '../../daemon/memory/events.js';
import { ev, HOUR, MIN, openStore } from './support.js';

const T0 = Date.UTC(2026, 5, 1, 8);

t.test('writes are queued and committed in one transaction per batch', async (t) => {
  const flushes: FlushInfo[] = [];
  const { store } = openStore(t, { batchMs: 30, batchMax: 1000, onFlush: (f) => flushes.push(f) });
  const raw = (): number => store.db.prepare('SELECT count(*) FROM events').pluck().get() as number;
  for (let i = 0; i < 3; i++) store.events.upsert(ev({ start: T0 + i }));
  t.equal(raw(), 0, "nothing written on the caller's stack");
  t.equal(store.events.pending, 3);
  await sleep(120);
  t.equal(raw(), 3, 'committed by the batch timer');
  t.same(
    flushes.map((f) => [f.written, f.inserted]),
    [[3, 3]],
    'one commit',
  );
  t.equal(store.events.count, 3);
});

t.test('batch_max triggers a commit on the next turn of the event loop', async (t) => {
  const flushes: FlushInfo[] = [];
  const { store } = openStore(t, { batchMs: 60_000, batchMax: 5, onFlush: (f) => flushes.push(f) });
  for (let i = 0; i < 5; i++) store.events.upsert(ev({ start: T0 + i }));
  t.equal(flushes.length, 0);
  await tick();
  t.same(
    flushes.map((f) => f.written),
    [5],
  );
  // A producer that never yields is flushed synchronously at 4× batch_max instead of growing without bound.
  for (let i = 0; i < 20; i++) store.events.upsert(ev({ start: T0 + 100 + i }));
  t.same(
    flushes.map((f) => f.written),
    [5, 20],
  );
});

t.test('updates of one event before a commit coalesce into one write', async (t) => {
  const flushes: FlushInfo[] = [];
  const { store } = openStore(t, { batchMs: 60_000, onFlush: (f) => flushes.push(f) });
  const id = newEventId(T0);
  t.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'UUIDv7');
  t.ok(newEventId(T0 + 1) > id, 'time-ordered');
  store.events.upsert(ev({ id, start: T0 }));
  store.events.upsert(ev({ id, start: T0, identity: 'alice' }));
  store.events.upsert(ev({ id, start: T0, identity: 'alice', end: T0 + MIN }));
  t.equal(store.events.flush(), 1);
  t.same(
    flushes.map((f) => [f.written, f.inserted]),
    [[1, 1]],
  );
  t.same(store.events.get(id), { ...ev({ id, start: T0, identity: 'alice', end: T0 + MIN }) });
  // An update of a committed event is not an insert.
  store.events.upsert(ev({ id, start: T0, identity: 'bob', end: T0 + MIN }));
  store.events.flush();
  t.same(flushes.at(-1), { written: 1, inserted: 0, ms: flushes.at(-1)!.ms });
  t.equal(store.events.count, 1);
});

t.test('invalid events fail at upsert, before they can poison a batch', async (t) => {
  const { store } = openStore(t);
  t.throws(() => store.events.upsert(ev({ start: T0, kind: 'ghost' as 'person' })), { code: 'E_MEMORY_EVENT_INVALID', message: /kind/ });
  t.throws(() => store.events.upsert(ev({ start: T0, end: T0 - 1 })), { code: 'E_MEMORY_EVENT_INVALID', message: /end/ });
  t.throws(() => store.events.upsert(ev({ start: Number.NaN })), { code: 'E_MEMORY_EVENT_INVALID' });
  t.throws(() => store.events.upsert(ev({ start: T0, box: [1, 2, 3] as unknown as [number, number, number, number] })), { message: /box/ });
  t.equal(store.events.pending, 0);
});

t.test('a failed commit keeps the events queued and the next one writes them', async (t) => {
  const { store, file } = openStore(t, { batchMs: 60_000 });
  store.db.pragma('busy_timeout = 10');
  const other = new Database(file);
  t.teardown(() => other.close());
  other.prepare('BEGIN IMMEDIATE').run(); // another writer holds the lock
  for (let i = 0; i < 4; i++) store.events.upsert(ev({ start: T0 + i }));
  t.equal(store.events.flush(), 0);
  t.match(store.events.lastError, /locked|busy/i);
  t.equal(store.events.pending, 4);
  other.prepare('ROLLBACK').run();
  t.equal(store.events.flush(), 4);
  t.equal(store.events.lastError, null);
  t.equal(store.events.count, 4);
});

t.test('retention deletes events that ended before the cutoff, returning their snapshots', async (t) => {
  const { store } = openStore(t);
  store.events.upsert(ev({ id: 'old', start: T0 - 40 * 24 * HOUR, end: T0 - 40 * 24 * HOUR + MIN, snapshot: 'snaps/old.jpg' }));
  store.events.upsert(ev({ id: 'old2', start: T0 - 35 * 24 * HOUR, end: T0 - 35 * 24 * HOUR + MIN }));
  store.events.upsert(ev({ id: 'straddles', start: T0 - 31 * 24 * HOUR, end: T0 - 29 * 24 * HOUR }));
  store.events.upsert(ev({ id: 'new', start: T0, end: T0 + MIN }));
  const cutoff = T0 - 30 * 24 * HOUR;
  t.same(store.events.deleteEndedBefore(cutoff, 1), { deleted: 1, snapshots: ['snaps/old.jpg'] }, 'oldest first, bounded');
  t.same(store.events.deleteEndedBefore(cutoff, 100), { deleted: 1, snapshots: [] });
  t.equal(store.events.count, 2);
  t.same(
    store.events.eventsBetween({ start: 0, end: T0 + HOUR }).map((e) => e.id),
    ['straddles', 'new'],
  );
  t.equal(store.events.recount(), 2);
});

t.test('closed store refuses writes', async (t) => {
  const { store } = openStore(t);
  store.events.upsert(ev({ start: T0 }));
  store.close();
  t.notOk(store.isOpen);
  t.throws(() => store.events.upsert(ev({ start: T0 })), { code: 'E_MEMORY_CLOSED' });
});

t.test('recordings index', async (t) => {
  const { store } = openStore(t);
  const r = store.recordings;
  const seg = (camera: string, i: number, bytes = 100) => ({
    camera,
    path: `/rec/${camera}/${i}.mkv`,
    start: T0 + i * MIN,
    end: T0 + (i + 1) * MIN,
    bytes,
    format: 'mkv' as const,
  });
  const ids = [0, 1, 2, 3].map((i) => r.addSegment(seg('porch', i)));
  r.addSegment(seg('hall', 0, 50));
  t.equal(new Set(ids).size, 4);
  t.same(
    r.segmentsBetween('porch', T0 + 1.5 * MIN, T0 + 2.5 * MIN).map((s) => s.path),
    ['/rec/porch/1.mkv', '/rec/porch/2.mkv'],
    'overlapping, by start',
  );
  t.same(
    r.segmentsBetween('porch', T0 + 2 * MIN, T0 + 2 * MIN + 1).map((s) => s.path),
    ['/rec/porch/2.mkv'],
    'half-open',
  );
  t.same(r.segmentsBetween('hall', T0, T0 + HOUR).length, 1);
  t.equal(r.totalBytes(), 450);
  t.equal(r.totalBytes('porch'), 400);
  // Re-adding a path (a segment finalised again) updates it in place.
  t.equal(r.addSegment(seg('porch', 3, 300)), ids[3]);
  t.equal(r.totalBytes('porch'), 600);
  t.same(
    r.oldestSegments(2).map((s) => s.path),
    ['/rec/porch/0.mkv', '/rec/hall/0.mkv'],
  );
  t.same(
    r
      .segmentsEndedBefore(T0 + 2 * MIN + 1, 10)
      .map((s) => s.path)
      .sort(),
    ['/rec/hall/0.mkv', '/rec/porch/0.mkv', '/rec/porch/1.mkv'],
  );
  r.deleteSegments([ids[0]!, ids[1]!]);
  t.equal(r.totalBytes('porch'), 400);
  t.equal(r.totalBytes(), 450);
  t.same(
    r.allSegments().map((s) => s.path),
    ['/rec/hall/0.mkv', '/rec/porch/2.mkv', '/rec/porch/3.mkv'],
  );
  t.same(r.allSegments()[0], {
    id: r.allSegments()[0]!.id,
    camera: 'hall',
    path: '/rec/hall/0.mkv',
    start: T0,
    end: T0 + MIN,
    bytes: 50,
    format: 'mkv',
  });
  t.throws(() => r.addSegment({ ...seg('porch', 9), end: T0 }), { code: 'E_MEMORY_SEGMENT_INVALID' });
});

t.test('identities and face embeddings', async (t) => {
  const { store } = openStore(t);
  const vec = (seed: number): Float32Array =>
    Float32Array.from({ length: FACE_EMBEDDING_DIM }, (_, i) => Math.sin(seed * 1000 + i * (seed + 1)));
  const noisy = (v: Float32Array, amount: number): Float32Array => v.map((x, i) => x + amount * Math.cos(i * 7.3));
  store.identities.add('alice', vec(1), { source: 'gallery/alice-1.jpg' });
  store.identities.add('alice', noisy(vec(1), 0.1));
  store.identities.add('bob', vec(2));
  store.identities.ensure('carol');
  t.same(
    store.identities.list().map((i) => [i.name, i.embeddings]),
    [
      ['alice', 2],
      ['bob', 1],
      ['carol', 0],
    ],
  );
  const m = store.identities.nearest(noisy(vec(1), 0.3), 3);
  t.equal(m[0]?.name, 'alice');
  t.ok(m[0]!.similarity > 0.9, `similarity ${m[0]!.similarity}`);
  t.equal(m.length, 2, 'people without faces are not candidates');
  t.equal(store.identities.nearest(vec(2))[0]?.name, 'bob');
  t.equal(store.identities.embeddings('alice').length, 2);
  t.ok(store.identities.hasSource('alice', 'gallery/alice-1.jpg'), 'a face is found by its source tag');
  t.notOk(store.identities.hasSource('bob', 'gallery/alice-1.jpg'), '… only under its own person');
  t.same(Array.from(store.identities.embeddings('bob')[0]!), Array.from(vec(2)), 'round-trips exactly');
  t.ok(store.identities.remove('alice'));
  t.same(
    store.identities.nearest(vec(1)).map((x) => x.name),
    ['bob'],
    'cache refreshed after remove',
  );
  t.equal(store.db.prepare('SELECT count(*) FROM face_embeddings').pluck().get(), 1, 'embeddings deleted with the person');
  t.throws(() => store.identities.add('dave', new Float32Array(64)), { code: 'E_MEMORY_EMBEDDING' });
});

t.test('conversations keep the recent turns', async (t) => {
  const { store } = openStore(t);
  for (let i = 0; i < 5; i++) {
    store.conversations.appendTurn('kitchen-speaker', {
      question: `q${i}`,
      answer: `a${i}`,
      ...(i === 4 ? { plan: { nodes: [{ task: 'who_was_where' }] } } : {}),
      at: T0 + i * MIN,
    });
  }
  store.conversations.appendTurn('phone', { question: 'other', answer: 'x', at: T0 });
  const recent = store.conversations.recentTurns('kitchen-speaker', 3);
  t.same(
    recent.map((r) => r.question),
    ['q2', 'q3', 'q4'],
    'oldest first',
  );
  t.same(recent[2]!.plan, { nodes: [{ task: 'who_was_where' }] });
  t.notOk('plan' in recent[0]!);
  t.same(
    store.conversations.conversations().map((c) => [c.id, c.turns]),
    [
      ['kitchen-speaker', 5],
      ['phone', 1],
    ],
  );
  t.equal(store.conversations.pruneBefore(T0 + 2 * MIN), 3);
  t.same(
    store.conversations.recentTurns('kitchen-speaker', 10).map((r) => r.question),
    ['q2', 'q3', 'q4'],
  );
  t.same(
    store.conversations.conversations().map((c) => c.id),
    ['kitchen-speaker'],
    'empty conversation removed',
  );
});

t.test('learning queue: samples, committed with synchronous=FULL', async (t) => {
  const { store, clock } = openStore(t);
  const q = store.learning.samples;
  t.equal(
    q.enqueue([
      { id: 'a', kind: 'frame', payload: { cam: 'porch' }, bytes: 1000, value: 0.2 },
      { id: 'b', kind: 'frame', payload: { cam: 'hall' }, bytes: 2000, value: 0.9 },
      { id: 'c', kind: 'q2a', payload: { q: 'who?' }, bytes: 500, value: 0.5 },
    ]),
    3,
  );
  t.equal(q.enqueue({ id: 'a', kind: 'frame', payload: {}, bytes: 1, value: 1 }), 0, 'already queued: kept as is');
  t.equal(store.db.pragma('synchronous', { simple: true }), 1, 'back to NORMAL after the durable write');
  const now = clock.now();
  t.same(
    q.due(now, 10).map((s) => s.id),
    ['b', 'c', 'a'],
    'highest value first',
  );
  q.markFailed('b', now + 60_000, 'HTTP 503');
  t.same(
    q.due(now, 10).map((s) => s.id),
    ['c', 'a'],
    'b backs off',
  );
  t.match(q.get('b'), { attempts: 1, last_error: 'HTTP 503', next_attempt_at: now + 60_000 });
  t.same(
    q.due(now + 60_000, 10).map((s) => s.id),
    ['b', 'c', 'a'],
  );
  t.equal(q.markUploaded(['c'], now), 1);
  t.same(q.stats(), { pending: 2, pendingBytes: 3000, uploaded: 1 });
  t.same(q.evictToBytes(2500), ['a'], 'lowest value dropped first');
  t.equal(q.pruneUploadedBefore(now + 1), 1);
  t.same(q.stats(), { pending: 1, pendingBytes: 2000, uploaded: 0 });
  t.same(q.get('b')?.payload, { cam: 'hall' });
  t.equal(store.db.prepare("SELECT name FROM sqlite_master WHERE name = 'adapters'").get(), undefined, 'no adapters table (migration 5)');
});
