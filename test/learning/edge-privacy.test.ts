/**
 * Hard-example mining triggers and the privacy filter, asserted on the exact bytes a teacher server received:
 * no household name or alias, no frame by default, tool outputs reduced to metadata; frames only for cameras with
 * upload_frames, blurred; every upload in the audit log with the digest of those bytes.
 */
import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import sharp from 'sharp';
import { planContextOf, sampleContextSchema, uploadSampleSchema } from '../../daemon/contracts/index.js';
import { HardExampleMiner, HttpTeacherClient, PrivacyFilter } from '../../daemon/learning/index.js';
import { failedAnswer, makeEdge, PEOPLE, SECRET, tmp, writeJpeg } from './support/edge-helpers.js';

const base = failedAnswer('x').result;

t.test('mining triggers', async (t) => {
  const m = new HardExampleMiner({ minLogprob: -1.5 });
  const ok = { ...base, trace: { ...base.trace, nodes: [{ task: 'last_seen', status: 'ok' }], confidence: -0.2 } };
  t.same(m.reasons(ok), [], 'a clean, confident answer is not a sample');
  t.same(m.reasons(base), ['failed'], 'execution failure');
  t.same(
    m.reasons({
      ...ok,
      trace: {
        ...ok.trace,
        planning: [
          { planner: 'local', repair: 0, ok: false },
          { planner: 'local', repair: 1, ok: true },
        ],
      },
    }),
    ['repaired'],
  );
  t.same(m.reasons({ ...ok, trace: { ...ok.trace, confidence: -2.1 } }), ['low_confidence'], 'below learning.mining.min_logprob');
  t.same(m.reasons({ ...ok, trace: { ...ok.trace, confidence: -1.4 } }), [], 'above the threshold');
  const other = { task_steps: [], task_nodes: [{ task: 'query_events', arguments: { person: 'Bob' } }], task_links: [] };
  t.same(m.reasons(ok, other), ['disagreement'], 'the cloud planner planned differently');
  t.same(m.reasons(ok, ok.plan), [], 'same plan: no disagreement');
  t.same(m.reasons({ ...ok, planner: 'cloud' }, other), [], 'the cloud plan itself is not a disagreement');
  t.ok(HardExampleMiner.value(['user_correction']) > HardExampleMiner.value(['low_confidence']));
});

t.test('placeholders are stable, keyed, reversible', async (t) => {
  const f = new PrivacyFilter({ secret: SECRET, people: PEOPLE });
  const g = new PrivacyFilter({ secret: SECRET, people: [...PEOPLE].reverse() });
  const other = new PrivacyFilter({ secret: Buffer.from('another secret'), people: PEOPLE });
  const masked = f.maskText('Did grandpa see Alice Liddell? bob said ALLY was here. Bobby and Alice stay.');
  t.match(
    masked,
    new RegExp(
      /^Did <person-[0-9a-f]{8}> see <person-[0-9a-f]{8}>\? /.source +
        /<person-[0-9a-f]{8}> said <person-[0-9a-f]{8}> was here\. Bobby and Alice stay\.$/.source,
    ),
  );
  t.equal(f.placeholderFor('Bob'), g.placeholderFor('Bob'), 'independent of order');
  t.not(f.placeholderFor('Bob'), other.placeholderFor('Bob'), 'keyed by the device secret');
  t.equal(f.maskText('grandpa'), f.maskText('Bob'), 'an alias maps to its person');
  t.equal(f.unmaskText(f.maskText('When was Bob last seen?')), 'When was Bob last seen?');
});

interface Received {
  path: string;
  body: Buffer;
  headers: IncomingMessage['headers'];
}

async function captureServer(t: Test): Promise<{ url: string; got: Received[] }> {
  const got: Received[] = [];
  const srv = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      got.push({ path: req.url ?? '', body, headers: req.headers });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v1/samples') {
        const ids = (JSON.parse(body.toString()) as { samples: Array<{ id: string }> }).samples.map((s) => s.id);
        res.end(JSON.stringify({ accepted: ids, duplicates: [] }));
      } else if (req.url?.startsWith('/v1/pseudo-labels') === true) res.end(JSON.stringify({ labels: [], next: 0 }));
      else res.end(JSON.stringify({ adapters: [] }));
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => srv.close(() => r())));
  const a = srv.address() as { port: number };
  return { url: `http://127.0.0.1:${a.port}`, got };
}

t.test('by default only masked text leaves; the exact bytes are audited', async (t) => {
  const { dir, cleanup } = tmp();
  t.teardown(cleanup);
  const srv = await captureServer(t);
  const snap = join(dir, 'snap.jpg');
  writeJpeg(
    snap,
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 10, b: 10 } } })
      .jpeg()
      .toBuffer(),
  );
  const { edge, audit, store } = makeEdge(dir, new HttpTeacherClient({ baseUrl: srv.url, token: 'tok' }));
  t.teardown(() => store.close());
  const ev = failedAnswer('a1');
  ev.result.evidence = [{ event: { camera: 'kitchen' }, snapshot: snap }];
  t.same(await edge.onAnswered(ev), ['failed']);
  const clean = failedAnswer('a2');
  clean.result.trace.nodes = [{ task: 'last_seen', status: 'ok' }];
  t.same(await edge.onAnswered(clean), [], 'not a hard example: not queued');
  const r = await edge.sync({ force: true });
  t.equal(r.upload?.sent, 1);
  const up = srv.got.filter((g) => g.path === '/v1/samples');
  t.equal(up.length, 1, 'one upload request');
  const bytes = up[0]!.body;
  const text = bytes.toString('utf8');
  for (const name of ['Bob', 'bob', 'grandpa', 'Ally', 'Alice', 'Liddell'])
    t.notOk(text.includes(name), `"${name}" is not in the bytes sent`);
  t.notOk(text.includes('no sighting in the kitchen'), 'tool error messages (outputs) do not leave');
  t.notOk(text.includes('porch at 09:12'), 'the answer text does not leave');
  t.notOk(/jpeg|frames|\/9j\//.test(text), 'no frame leaves (kitchen has no upload_frames)');
  t.notOk(text.includes(snap), 'no file path leaves');
  const body = JSON.parse(text) as { samples: Array<Record<string, unknown>> };
  t.same(Object.keys(body.samples[0]!).sort(), ['at', 'confidence', 'id', 'nodes', 'plan', 'planner', 'question', 'reasons']);
  t.same(body.samples[0]!.nodes, [{ task: 'last_seen', status: 'error', ms: null, output_bytes: 0, error_code: 'E_TOOL' }]);
  t.match(
    body.samples[0]!.question as string,
    /^When was <person-[0-9a-f]{8}> last seen near <person-[0-9a-f]{8}>'s car\? Ask <person-[0-9a-f]{8}>\.$/,
  );
  const entries = await audit.read();
  const upload = entries.find((e) => e.kind === 'upload')!;
  t.equal(upload.sha256, createHash('sha256').update(bytes).digest('hex'), 'the audit log has the digest of the exact bytes sent');
  t.equal(upload.bytes, bytes.length);
  t.same(upload.ids, ['a1']);
  t.same(upload.payloads, body.samples, 'and the payloads themselves, for the owner to read');
});

t.test('frames leave only for cameras with upload_frames, blurred', async (t) => {
  const { dir, cleanup } = tmp();
  t.teardown(cleanup);
  const srv = await captureServer(t);
  // a sharp-edged checkerboard: blurring flattens it
  const w = 64;
  const raw = Buffer.alloc(w * w * 3);
  for (let y = 0; y < w; y++)
    for (let x = 0; x < w; x++) raw.fill(((x >> 3) + (y >> 3)) % 2 === 0 ? 255 : 0, (y * w + x) * 3, (y * w + x) * 3 + 3);
  const snap = join(dir, 'porch.jpg');
  writeJpeg(
    snap,
    await sharp(raw, { raw: { width: w, height: w, channels: 3 } })
      .jpeg({ quality: 95 })
      .toBuffer(),
  );
  const { edge, store } = makeEdge(dir, new HttpTeacherClient({ baseUrl: srv.url, token: 'tok' }));
  t.teardown(() => store.close());
  const ev = failedAnswer('f1');
  ev.result.evidence = [
    { event: { camera: 'porch' }, snapshot: snap },
    { event: { camera: 'kitchen' }, snapshot: snap },
  ];
  await edge.onAnswered(ev);
  await edge.sync({ force: true });
  const body = JSON.parse(srv.got.find((g) => g.path === '/v1/samples')!.body.toString()) as {
    samples: Array<{ frames?: Array<{ camera: string; jpeg_base64: string }> }>;
  };
  const frames = body.samples[0]!.frames!;
  t.same(
    frames.map((f) => f.camera),
    ['porch'],
    'only the porch camera may upload frames',
  );
  const stdOf = async (b: Buffer): Promise<number> => (await sharp(b).stats()).channels[0]!.stdev;
  const sent = Buffer.from(frames[0]!.jpeg_base64, 'base64');
  const orig = await stdOf(await sharp(snap).toBuffer());
  t.ok((await stdOf(sent)) < orig * 0.5, `the frame sent is blurred (stdev ${(await stdOf(sent)).toFixed(1)} vs ${orig.toFixed(1)})`);
});

t.test('the household context goes up masked: no configured name or alias reaches the teacher', async (t) => {
  const { dir, cleanup } = tmp();
  t.teardown(cleanup);
  const srv = await captureServer(t);
  const { edge, store, filter } = makeEdge(dir, new HttpTeacherClient({ baseUrl: srv.url, token: 'tok' }));
  t.teardown(() => store.close());
  // the request as the agent built it: config objects carry more than a planner reads (a routine's people)
  const request = {
    question: 'Did grandpa sleep?',
    now: '2024-05-02T12:00:00+02:00',
    timezone: 'Europe/Berlin',
    household: {
      people: [...PEOPLE, { name: 'Carol', aliases: ['mum'], relation: 'mother' }],
      rooms: ["Bob's den", 'kitchen'],
      cameras: ['porch', 'kitchen'],
      cameraRooms: { porch: "Bob's den", kitchen: 'kitchen' },
      roomAliases: { "Bob's den": ["grandpa's corner"] },
      cameraZones: { porch: ['Ally desk', 'door'] },
      groups: [{ name: 'the kids', aliases: ['kiddos'], members: ['Alice Liddell'] }],
      asker: 'Carol',
      routines: [{ name: 'Bob nap', aliases: ["grandpa's nap"], start: '13:00', end: '14:00', days: ['sun' as const], people: ['Bob'] }],
    },
    history: [
      {
        question: 'Where is Ally?',
        answer: 'Alice Liddell is in the kitchen.',
        plan: { task_steps: [], task_nodes: [{ task: 'last_seen', arguments: { person: 'Alice Liddell' } }], task_links: [] },
      },
    ],
    allowTools: ['remember'],
  };
  const ev = { ...failedAnswer('c1', 'Did grandpa sleep after mum came home?'), context: planContextOf(request) };
  t.same(await edge.onAnswered(ev), ['failed']);
  await edge.sync({ force: true });
  const text = srv.got.find((g) => g.path === '/v1/samples')!.body.toString('utf8');
  for (const name of ['Bob', 'bob', 'grandpa', 'Ally', 'Alice', 'Liddell', 'Carol', 'mum', 'mother'])
    t.notOk(text.includes(name), `"${name}" is not in the bytes sent`);
  const sample = uploadSampleSchema.parse((JSON.parse(text) as { samples: unknown[] }).samples[0]);
  const ctx = sample.context!;
  t.ok(ctx, 'the context went up');
  const bob = filter.placeholderFor('Bob');
  const alice = filter.placeholderFor('Alice Liddell');
  const carol = filter.placeholderFor('Carol');
  t.same(
    ctx.household.people,
    [bob, alice, carol].map((name) => ({ name, aliases: [] })),
    'people as their placeholders, aliases dropped (a person the filter was not given too)',
  );
  t.match(sample.question, new RegExp(`^Did ${bob} sleep after ${carol} came home\\?$`), 'the question masks them alike');
  t.same(ctx.household.rooms, [`${bob}'s den`, 'kitchen'], 'a room named after a person names the placeholder');
  t.same(ctx.household.cameraRooms, { porch: `${bob}'s den`, kitchen: 'kitchen' });
  t.same(ctx.household.roomAliases, { [`${bob}'s den`]: [`${bob}'s corner`] });
  t.same(ctx.household.cameraZones, { porch: [`${alice} desk`, 'door'] });
  t.same(ctx.household.groups, [{ name: 'the kids', aliases: ['kiddos'], members: [alice] }]);
  t.equal(ctx.household.asker, carol);
  t.same(
    ctx.household.routines,
    [{ name: `${bob} nap`, aliases: [`${bob}'s nap`], start: '13:00', end: '14:00', days: ['sun'] }],
    "a routine's people stay home",
  );
  t.same(ctx.previous, {
    question: `Where is ${alice}?`,
    plan: { task_steps: [], task_nodes: [{ task: 'last_seen', arguments: { person: alice } }], task_links: [] },
  });
  t.notOk(text.includes('in the kitchen.'), "the previous turn's answer does not leave");
  t.same([ctx.now, ctx.timezone, ctx.allow_tools], ['2024-05-02T12:00:00+02:00', 'Europe/Berlin', ['remember']]);
  t.throws(
    () => sampleContextSchema.parse({ ...ctx, household: { ...ctx.household, people: [{ name: 'Bob', aliases: [] }] } }),
    'the contract admits no name where a person is named',
  );
});
