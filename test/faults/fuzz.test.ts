/**
 * Bad input: fast-check generated payloads (random JSON, wrong types, huge
 * strings, deep nesting, invalid UTF-8, binary) against every MQTT command and
 * the agent topics of a real daemon child process (embedded broker). Every
 * payload must get an error reply or a logged rejection (or a real answer);
 * the daemon must not crash, log no unhandled rejection, and its RSS must stay
 * bounded.
 */
import t from 'tap';
import fc from 'fast-check';
import { Consumer, freePort, report, runDaemon, tempDir, waitFor, writeConfig, type LogEntry } from './support.js';

const PER_TOPIC = Number(process.env.HS_FUZZ_PER_TOPIC ?? 800);
const SEED = Number(process.env.HS_FUZZ_SEED ?? 20261125);
const BASE = 'homesight/hub1';

/** Command name → its argument keys (so the generator also produces near-valid objects with wrong types). */
const COMMANDS: Record<string, string[]> = {
  enroll: ['name', 'images'],
  restart_camera: ['camera'],
  reload: [],
  feedback: ['answer_id', 'thumbs', 'corrected_answer', 'corrected_plan'],
  audit: ['limit'],
  learning_sync: [],
  update: ['url', 'path', 'sha256', 'allow_downgrade'],
  rollback: [],
  config: ['yaml', 'reload'],
};
const AGENT: Record<string, string[]> = {
  'agent/ask': ['question', 'conversation_id', 'options', 'household'],
  'agent/plan': ['question', 'conversation_id', 'options'],
  'agent/cancel': ['id'],
  'agent/correct': ['answer_id', 'plan', 'answer', 'question'],
};
const ENVELOPE = ['id', 'reply_to'];

function deepNesting(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** One payload for a topic whose argument keys are `keys`. `reply` is injected into object payloads when given. */
function payloadArb(keys: string[], reply: string | null): fc.Arbitrary<{ kind: string; bytes: Buffer }> {
  const allKeys = [...keys, ...ENVELOPE, 'options', 'tools', '__proto__', 'constructor'];
  const value = fc.oneof(
    fc.anything({ maxDepth: 3 }),
    fc.string({ unit: 'grapheme', maxLength: 200 }),
    fc.integer(),
    fc.double(),
    fc.constantFrom(null, true, false, '', '../../../../etc/passwd', 'up', 'down', 'https://127.0.0.1:1/x.tar', '-1', 'NaN'),
    fc.array(fc.string({ maxLength: 64 }), { maxLength: 4 }),
    fc.base64String({ maxLength: 400 }),
  );
  const obj = fc.dictionary(fc.constantFrom(...allKeys), value, { maxKeys: 6 }).map((o) => {
    const out: Record<string, unknown> = { ...o };
    if (reply !== null) out.reply_to = reply;
    return out;
  });
  const enc = (kind: string) => (s: string) => ({ kind, bytes: Buffer.from(s, 'utf8') });
  return fc.oneof(
    { weight: 5, arbitrary: obj.map((o) => ({ kind: 'object', bytes: Buffer.from(JSON.stringify(o)) })) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }).map(enc('json')) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 512 }).map((a) => ({ kind: 'binary', bytes: Buffer.from(a) })) },
    {
      weight: 1,
      // invalid UTF-8: a valid JSON prefix followed by lone continuation / overlong / surrogate bytes
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            [0xc3, 0x28],
            [0xa0, 0xa1],
            [0xe2, 0x28, 0xa1],
            [0xf0, 0x28, 0x8c, 0x28],
            [0xed, 0xa0, 0x80],
            [0xc0, 0xaf],
            [0xff],
            [0xfe, 0xfe, 0xff, 0xff],
          ),
          fc.nat(3),
        )
        .map(([bad, at]) => {
          const pre = Buffer.from(`{"reply_to":"${reply ?? 'fuzz/x'}","${keys[0] ?? 'id'}":"`);
          const parts = [pre, Buffer.from('x'.repeat(at)), Buffer.from(bad), Buffer.from('"}')];
          return { kind: 'invalid-utf8', bytes: Buffer.concat(parts) };
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 10, max: 20_000 }), fc.constantFrom<'array' | 'object'>('array', 'object'))
        .map(([d, k]) => ({ kind: 'deep', bytes: Buffer.from(deepNesting(d, k)) })),
    },
    {
      weight: 1,
      // huge strings: a valid-looking object whose first argument is 4 kB – 1.5 MB
      arbitrary: fc.integer({ min: 4_000, max: 1_500_000 }).map((n) => ({
        kind: 'huge',
        bytes: Buffer.from(JSON.stringify({ ...(reply !== null ? { reply_to: reply } : {}), [keys[0] ?? 'id']: 'A'.repeat(n) })),
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('', ' ', 'null', '[]', '"x"', '1e999', '{', '{"id":', '\u0000', '{"reply_to":"homesight/hub1/availability"}')
        .map(enc('edge')),
    },
  );
}

t.test(`fuzz: ≥ 10,000 generated payloads over every MQTT command and the agent topics`, async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const cfg = writeConfig(
    dir,
    `mqtt:
  embedded: {port: ${port}}
agent:
  planner: retrieval
  rate_limit_per_min: 1000000
vision:
  enabled: true
  providers: [cpu]
  pose: {enabled: false}
  activity: {enabled: false}
fleet:
  enabled: true
  config_file: ${dir}/pushed.yaml
learning:
  enabled: true
`,
  );
  const d = await runDaemon(t, dir, cfg);
  const c = await Consumer.connect(`mqtt://127.0.0.1:${port}`);
  t.teardown(() => c.close());
  await c.subscribe(['fuzz/#', `${BASE}/command/+/result`]);

  // Every request (commands and agent topics alike) goes through the MQTT router, which logs each one.
  const counted = (e: LogEntry, name: string): boolean =>
    e.request === name && (e.msg === 'request handled' || e.msg === 'request refused or failed' || e.msg === 'ignoring a retained request');

  const topics: Array<{ name: string; topic: string; keys: string[]; agent: boolean }> = [
    ...Object.entries(COMMANDS).map(([name, keys]) => ({ name, topic: `${BASE}/command/${name}`, keys, agent: false })),
    ...Object.entries(AGENT).map(([name, keys]) => ({ name, topic: `${BASE}/${name}`, keys, agent: true })),
  ];
  const rssStart = await d.rssBytes();
  const rssSamples: number[] = [];
  let total = 0;
  const kinds: Record<string, number> = {};
  const summary: Array<{ topic: string; sent: number; accounted: number }> = [];
  let seed = SEED;
  for (const tp of topics) {
    const reply = tp.agent ? `fuzz/${tp.name}` : null;
    const samples = fc.sample(payloadArb(tp.keys, reply), { seed: seed++, numRuns: PER_TOPIC });
    for (let i = 0; i < samples.length; i += 25) {
      await Promise.all(samples.slice(i, i + 25).map((s) => c.client.publishAsync(tp.topic, s.bytes, { qos: 1 })));
    }
    for (const s of samples) kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
    total += samples.length;
    // Every payload is answered: a log line (refusal or handled).
    const accounted = (): number => d.entries().filter((e) => counted(e, tp.name)).length;
    await waitFor(() => accounted() >= samples.length || !d.alive(), 60_000, `${tp.name}: ${samples.length} payloads answered`).catch(
      () => undefined,
    );
    summary.push({ topic: tp.name, sent: samples.length, accounted: accounted() });
    t.equal(accounted(), samples.length, `${tp.name}: ${samples.length} payloads, each answered or refused`);
    t.ok(d.alive(), `daemon alive after ${tp.name}`);
    rssSamples.push(await d.rssBytes());
  }
  // Unknown commands, random names (topic levels without wildcards).
  const names = fc.sample(
    fc.stringMatching(/^[A-Za-z0-9_.%-]{1,40}$/).filter((n) => !(n in COMMANDS)),
    { seed: seed++, numRuns: 400 },
  );
  for (const n of names) await c.client.publishAsync(`${BASE}/command/${n}`, JSON.stringify({ reply_to: 'fuzz/unknown' }), { qos: 1 });
  total += names.length;
  await waitFor(() => c.messages.filter((m) => m.topic === 'fuzz/unknown').length >= names.length, 30_000, 'unknown-command replies').catch(
    () => undefined,
  );
  const unknownReplies = c.messages.filter((m) => m.topic === 'fuzz/unknown');
  t.equal(unknownReplies.length, names.length, 'every unknown command gets an error reply');
  t.ok(unknownReplies.every((m) => m.error().code === 'E_UNKNOWN_COMMAND'));
  summary.push({ topic: 'command/<random>', sent: names.length, accounted: unknownReplies.length });

  t.ok(total >= 10_000 || PER_TOPIC < 800, `${total} payloads sent`);
  const unhandled = d.find(/unhandled promise rejection|uncaught exception|event listener threw/i);
  t.same(unhandled, [], 'zero unhandled rejections / uncaught exceptions / throwing listeners');
  const h = await d.healthz();
  t.equal(h.status, 200, 'healthz still answers 200');
  t.ok(d.alive(), 'daemon alive at the end');
  const rssEnd = await d.rssBytes();
  // After warm-up (first topic), growth across the remaining ~9,000 payloads stays bounded.
  const warm = rssSamples[1] ?? rssStart;
  const growthMb = (Math.max(...rssSamples.slice(1), rssEnd) - warm) / 2 ** 20;
  t.ok(
    growthMb < 128,
    `RSS growth after warm-up ${growthMb.toFixed(1)} MB < 128 MB ` +
      `(start ${(rssStart / 2 ** 20).toFixed(0)} MB, warm ${(warm / 2 ** 20).toFixed(0)} MB, ` +
      `end ${(rssEnd / 2 ** 20).toFixed(0)} MB)`,
  );
  const accounted = summary.reduce((a, s) => a + s.accounted, 0);
  t.comment(JSON.stringify({ total, accounted, kinds, summary, rss_mb: rssSamples.map((r) => Math.round(r / 2 ** 20)) }));
  report({
    scenario: 'fuzz: MQTT commands + agent payloads',
    result: accounted === total && unhandled.length === 0 && d.alive() && growthMb < 128 ? 'pass' : 'fail',
    expected: total,
    received: accounted,
    recovery_ms: null,
    notes:
      `seed ${SEED}; kinds ${JSON.stringify(kinds)}; unhandled ${unhandled.length}; ` +
      `RSS ${(rssStart / 2 ** 20).toFixed(0)}→${(warm / 2 ** 20).toFixed(0)}→${(rssEnd / 2 ** 20).toFixed(0)} MB ` +
      `(growth after warm-up ${growthMb.toFixed(1)} MB)`,
  });
  const stop = await d.kill('SIGTERM');
  t.equal(stop.code, 0, 'clean exit on SIGTERM');
});
