/**
 * The cloud teacher API: enrollment, bearer auth (401), household isolation, idempotent uploads, 413 on oversized
 * bodies, 429 after repeated bad tokens, pseudo-labels from the oracle teacher validated before they are kept.
 */
import t, { type Test } from 'tap';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCloudApp, OracleReplayTeacher, hashToken, openTeacherStore } from '../../cloud/index.js';

const GOLD = [
  {
    household: 'h1',
    instruction: 'When was Bob last seen?',
    task_nodes: [{ task: 'last_seen', arguments: { person: 'Bob' } }],
    task_links: [],
  },
  { household: 'h1', instruction: 'Is anyone in the kitchen?', task_nodes: [{ task: 'no_such_tool', arguments: {} }], task_links: [] },
];

async function setup(t: Test, over: { bodyLimit?: number; rateLimit?: { max: number; windowMs: number } } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hs-cloud-'));
  const ds = join(dir, 'gold.jsonl');
  writeFileSync(ds, GOLD.map((g) => JSON.stringify(g)).join('\n') + '\n');
  const store = await openTeacherStore({ kind: 'sqlite', file: join(dir, 'db.sqlite') });
  const { app, labeler } = buildCloudApp({ store, teacher: new OracleReplayTeacher(ds), enrollmentSecret: 's3cret', ...over });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(async () => {
    await app.close();
    await labeler.drain();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const enroll = async (device: string, household: string): Promise<string> => {
    const r = await fetch(`${url}/v1/devices/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ device_id: device, household, enrollment_secret: 's3cret' }),
    });
    t.equal(r.status, 200);
    return ((await r.json()) as { token: string }).token;
  };
  const call = (path: string, token: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  return { url, store, file: join(dir, 'db.sqlite'), labeler, enroll, call };
}

t.test('enroll, upload idempotently, label, isolate households', async (t) => {
  const s = await setup(t);
  const a = await s.enroll('dev-a', 'h1');
  const b = await s.enroll('dev-b', 'h2');
  // only the hash of a token is stored
  const db = new Database(s.file, { readonly: true });
  const rows = db.prepare('SELECT token_hash FROM devices').all() as Array<{ token_hash: string }>;
  db.close();
  t.same(rows.map((r) => r.token_hash).sort(), [hashToken(a), hashToken(b)].sort());
  t.notOk(JSON.stringify(rows).includes(a), 'the raw token is not in the database');

  const sample = { id: 's1', question: 'When was <person-0a1b2c3d> last seen?', plan: { task_nodes: [] }, reasons: ['failed'] };
  let r = await s.call('/v1/samples', a, { samples: [sample, { id: 's2', question: 'Is anyone in the kitchen?' }] });
  t.same(await r.json(), { accepted: ['s1', 's2'], duplicates: [] });
  r = await s.call('/v1/samples', a, { samples: [sample] });
  t.same(await r.json(), { accepted: [], duplicates: ['s1'] }, 'the same id again is a duplicate');
  const context = {
    now: '2024-05-02T12:00:00+02:00',
    timezone: 'Europe/Berlin',
    household: { people: [{ name: 'Bob', aliases: [] }], rooms: [], cameras: [] },
  };
  r = await s.call('/v1/samples', a, { samples: [{ id: 's3', question: 'When was Bob last seen?', context }] });
  t.equal(r.status, 400, 'a context naming a person other than by placeholder is refused');
  await s.labeler.drain();

  r = await s.call('/v1/pseudo-labels?since=0', a);
  const page = (await r.json()) as {
    labels: Array<{ sample_id: string; question: string; plan: { task_nodes: Array<{ arguments: { person: string } }> } }>;
    next: number;
  };
  t.equal(page.labels.length, 1, 'the invalid teacher plan (unknown tool) was not kept');
  t.equal(page.labels[0]!.sample_id, 's1');
  t.equal(page.labels[0]!.plan.task_nodes[0]!.arguments.person, '<person-0a1b2c3d>', 'the oracle keeps the placeholder, never the name');
  r = await s.call(`/v1/pseudo-labels?since=${page.next}`, a);
  t.equal(((await r.json()) as { labels: unknown[] }).labels.length, 0, 'paging by since');

  // household h2 sees nothing of h1
  r = await s.call('/v1/pseudo-labels?since=0', b);
  t.same(((await r.json()) as { labels: unknown[] }).labels, []);
  r = await s.call('/v1/samples', b, { samples: [{ id: 's1', question: 'other household, same id' }] });
  t.same(await r.json(), { accepted: ['s1'], duplicates: [] }, 'ids are per household');
  t.equal((await s.store.counts('h1')).samples, 2);
  t.equal((await s.store.counts('h2')).samples, 1);
  r = await s.call('/v1/adapters/manifest', b);
  t.same(await r.json(), { adapters: [] });
});

t.test('bad token 401, oversized body 413, brute force 429, bad enrollment 401', async (t) => {
  const s = await setup(t, { bodyLimit: 4096, rateLimit: { max: 3, windowMs: 60_000 } });
  const a = await s.enroll('dev-a', 'h1');
  const big = { samples: [{ id: 'x', question: 'q'.repeat(5000) }] };
  let r = await s.call('/v1/samples', a, big);
  t.equal(r.status, 413, 'body over the limit');
  r = await fetch(`${s.url}/v1/devices/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ device_id: 'x', household: 'h1', enrollment_secret: 'wrong' }),
  });
  t.equal(r.status, 401, 'wrong enrollment secret');
  for (let i = 0; i < 2; i++) {
    r = await s.call('/v1/pseudo-labels', 'not-a-token');
    t.equal(r.status, 401, `bad token ${i + 1}`);
  }
  r = await s.call('/v1/pseudo-labels', 'not-a-token');
  t.equal(r.status, 429, 'the address is rate limited after 3 failures');
  r = await s.call('/v1/pseudo-labels', a);
  t.equal(r.status, 429, 'even a good token from that address waits out the window');
});

t.test('OpenAI-compatible teacher and per-household curation', async (t) => {
  const { OpenAiTeacher, curate } = await import('../../cloud/index.js');
  let sent: { model: string; temperature: number; messages: Array<{ role: string; content: string }> } | null = null;
  const fakeFetch = (async (_url: string, init: { body: string; headers: Record<string, string> }) => {
    sent = JSON.parse(init.body) as typeof sent;
    t.equal(init.headers.authorization, 'Bearer k');
    const plan = {
      task_steps: ['Step 1'],
      task_nodes: [{ task: 'last_seen', arguments: { person: '<person-0a1b2c3d>' } }],
      task_links: [],
    };
    return new Response(
      JSON.stringify({ choices: [{ message: { content: 'Here you go:\n```json\n' + JSON.stringify(plan) + '\n```' } }] }),
      { status: 200 },
    );
  }) as unknown as typeof fetch;
  const teacher = new OpenAiTeacher({ baseUrl: 'http://teacher.invalid/v1', model: 'big', apiKey: 'k', fetch: fakeFetch });
  const label = await teacher.plan({ household: 'h1', question: 'When was <person-0a1b2c3d> last seen?' });
  t.same(label.plan?.task_nodes, [{ task: 'last_seen', arguments: { person: '<person-0a1b2c3d>' } }]);
  t.same([label.samples, label.valid, label.confidence], [5, 5, 1], 'five samples, one plan: confidence 1');
  t.equal(sent!.model, 'big');
  t.ok(sent!.temperature > 0, 'sampled above temperature 0');
  t.match(sent!.messages[0]!.content, /last_seen/, 'the tool catalog is in the system prompt');

  const mk = (q: string, tool: string) => ({
    question: q,
    plan: {
      task_steps: [],
      task_nodes: [
        { task: 'resolve_time', arguments: { phrase: 'today' } },
        { task: tool, arguments: {} },
      ],
      task_links: [],
    },
  });
  const labels = [
    ...Array.from({ length: 30 }, (_, i) => mk(`count ${i}`, 'count_events')),
    ...Array.from({ length: 5 }, (_, i) => mk(`where ${i}`, 'who_was_where')),
    mk('Count 3', 'count_events'),
  ];
  const c = curate(labels, { testShare: 0.2, maxPerTool: 10 });
  t.equal(c.dropped.duplicates, 1, '"Count 3" and "count 3" are one question');
  t.ok(c.test.length > 0 && c.test.length < 15, `a held-out slice (${c.test.length})`);
  t.ok((c.byTool.count_events ?? 0) <= 10, 'balanced: at most maxPerTool per leading tool');
  t.equal(c.byTool.who_was_where, c.train.filter((l) => l.plan.task_nodes[1]!.task === 'who_was_where').length);
  const again = curate(labels, { testShare: 0.2, maxPerTool: 10 });
  t.same(
    again.test.map((x) => x.question),
    c.test.map((x) => x.question),
    'the held-out slice is stable',
  );
  t.notOk(
    c.train.some((x) => c.test.some((y) => y.question === x.question)),
    'no question in both',
  );
});
