/**
 * Path traversal in file-name inputs, against a real daemon child process:
 * update bundle paths (fleet.inbox_dir), enrolment names, camera names, and
 * event snapshot paths that point outside the data folder. Each is refused
 * (error reply with its code) or has no effect outside the data folder; no
 * file outside it is read out over MQTT.
 */
import t from 'tap';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStore, newEventId, type HomeEvent } from '../../daemon/memory/index.js';
import { silentLogger, systemClock } from '../../daemon/system/index.js';
import { Consumer, SHARED, freePort, report, runDaemon, tempDir, writeConfig } from './support.js';

const BASE = 'homesight/hub1';

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

t.test('path traversal in file-name inputs is refused', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  // A secret next to (not inside) the data folder, and events whose snapshot paths point at it.
  const secret = join(dir, 'secret.txt');
  writeFileSync(secret, 'TOP-SECRET-CONTENT\n');
  const store = new MemoryStore({ file: join(data, 'homesight.db'), log: silentLogger(), clock: systemClock });
  const now = Date.now();
  const ev = (id: number, snapshot: string): HomeEvent => ({
    id: newEventId(now - id * 60_000),
    camera: 'demo',
    kind: 'identity',
    label: 'person',
    track_id: null,
    identity: 'Alice',
    activity: 'walking',
    start: now - id * 60_000,
    end: now - id * 60_000 + 30_000,
    confidence: 0.9,
    box: [0.1, 0.1, 0.2, 0.5],
    zones: [],
    snapshot,
    attributes: {},
  });
  store.cameras.sync([{ name: 'demo', room: 'plaza' }]);
  store.events.upsertMany([ev(5, '../secret.txt'), ev(4, secret), ev(3, 'snapshots/../../secret.txt')]);
  store.events.flush();
  store.close();

  const cfg = writeConfig(
    dir,
    `cameras:
  demo: {enabled: false, room: plaza, source: {kind: file, path: vtest.avi}}
mqtt:
  embedded: {port: ${port}}
agent:
  planner: retrieval
  rate_limit_per_min: 10000
vision:
  enabled: true
  providers: [cpu]
  pose: {enabled: false}
  activity: {enabled: false}
fleet:
  enabled: true
`,
  );
  const d = await runDaemon(t, dir, cfg);
  const inbox = join(data, 'fleet-inbox');
  // Things inside the inbox that point outside it.
  symlinkSync(secret, join(inbox, 'link.tar'));
  mkdirSync(join(inbox, 'sub'), { recursive: true });
  writeFileSync(join(data, 'outside.tar'), 'not a bundle');

  const c = await Consumer.connect(`mqtt://127.0.0.1:${port}`);
  t.teardown(() => c.close());
  await c.subscribe('#');
  let n = 0;
  const call = async (
    command: string,
    args: Record<string, unknown>,
  ): Promise<{ status: string; error?: { code: string; message: string } }> => {
    const reply = `paths/r${n++}`;
    await c.client.publishAsync(`${BASE}/command/${command}`, JSON.stringify({ ...args, reply_to: reply }), { qos: 1 });
    const m = await c.waitTopic(reply, (m) => (m.json() as { status: string }).status !== 'progress', 30_000);
    return m.json() as { status: string; error?: { code: string; message: string } };
  };

  const cases: Array<{ what: string; command: string; args: Record<string, unknown>; codes: string[] }> = [
    { what: 'bundle ../../../../etc/passwd', command: 'update', args: { path: '../../../../etc/passwd' }, codes: ['E_FLEET_PATH'] },
    { what: 'bundle /etc/passwd (absolute)', command: 'update', args: { path: '/etc/passwd' }, codes: ['E_FLEET_PATH'] },
    { what: 'bundle symlink in the inbox to a file outside', command: 'update', args: { path: 'link.tar' }, codes: ['E_FLEET_PATH'] },
    { what: 'bundle sub/../../outside.tar', command: 'update', args: { path: 'sub/../../outside.tar' }, codes: ['E_FLEET_PATH'] },
    { what: 'bundle ".."', command: 'update', args: { path: '..' }, codes: ['E_FLEET_PATH'] },
    { what: 'bundle "." (the inbox itself)', command: 'update', args: { path: '.' }, codes: ['E_FLEET_PATH'] },
    {
      what: 'bundle with NUL byte',
      command: 'update',
      args: { path: 'x.tar\u0000/../../etc/passwd' },
      codes: ['E_BUNDLE_NOT_FOUND', 'E_FLEET_PATH', 'E_BAD_REQUEST'],
    },
    {
      what: 'bundle url file:///etc/passwd',
      command: 'update',
      args: { url: 'file:///etc/passwd' },
      codes: ['E_FLEET_URL', 'E_BAD_REQUEST', 'E_BUNDLE_URL', 'E_FLEET_DOWNLOAD', 'E_DOWNLOAD'],
    },
    { what: 'camera ../../etc', command: 'restart_camera', args: { camera: '../../etc' }, codes: ['E_CAMERA_UNKNOWN', 'E_BAD_REQUEST'] },
  ];
  let refused = 0;
  const rows: string[] = [];
  for (const cs of cases) {
    const r = await call(cs.command, cs.args);
    const ok = r.status === 'error' && r.error !== undefined && (cs.codes.includes(r.error.code) || /^E_/.test(r.error.code));
    t.equal(r.status, 'error', `${cs.what}: refused (${r.error?.code}: ${r.error?.message})`);
    t.ok(r.error !== undefined && cs.codes.includes(r.error.code), `${cs.what}: code ${r.error?.code} ∈ ${cs.codes.join('|')}`);
    if (ok) refused++;
    rows.push(`${cs.what} → ${r.error?.code ?? r.status}`);
  }

  // Enrolment names that look like paths are refused by the command schema (and nothing is written outside data/).
  const before = new Set(walk(dir).filter((p) => !p.startsWith(data + '/')));
  const face = readFileSync(join(SHARED, 'media', 'obama.jpg')).toString('base64');
  const names = ['../../../../tmp/hs-pwned', '/etc/cron.d/pwned', '..\\..\\windows\\system32', 'a/../../b'];
  let enrollSafe = 0;
  for (const name of names) {
    const r = await call('enroll', { name, images: [face] });
    const outside = walk(dir).filter((p) => !p.startsWith(data + '/') && !before.has(p));
    const stray = walk(data).filter((p) => /pwned|system32/.test(p));
    t.equal(r.error?.code, 'E_BAD_REQUEST', `enroll "${name}": refused (${r.error?.message})`);
    t.same([...outside, ...stray], [], `enroll "${name}": no file written outside data/ or named after it`);
    let tmpHit = false;
    try {
      statSync('/tmp/hs-pwned');
      tmpHit = true;
    } catch {
      /* absent */
    }
    t.notOk(tmpHit, '/tmp/hs-pwned not created');
    if (r.error?.code === 'E_BAD_REQUEST' && outside.length === 0 && stray.length === 0 && !tmpHit) enrollSafe++;
    rows.push(`enroll name ${JSON.stringify(name)} → ${r.status}${r.error !== undefined ? ` ${r.error.code}` : ''}`);
  }

  // Snapshot paths outside the data folder are never read out: ask for Alice's snapshot.
  const ask = await (async () => {
    const reply = 'paths/ask';
    await c.client.publishAsync(
      `${BASE}/agent/ask`,
      JSON.stringify({ question: 'Show me the snapshot of when Alice was last seen', reply_to: reply }),
      { qos: 1 },
    );
    return (await c.waitTopic(reply, (m) => (m.json() as { status: string }).status !== 'progress', 20_000)).text();
  })();
  t.notMatch(ask, /TOP-SECRET/, 'the answer does not contain the file outside data/');
  const leaked = c.messages.filter((m) => m.payload.includes('TOP-SECRET')).map((m) => m.topic);
  t.same(leaked, [], 'no MQTT message carries the file outside data/');
  t.ok(d.alive(), 'daemon alive');
  t.same(d.find(/unhandled promise rejection/), []);
  t.comment(rows.join('\n'));
  report({
    scenario: 'path traversal (bundle paths, enroll names, camera names, snapshot paths)',
    result: refused === cases.length && enrollSafe === names.length && leaked.length === 0 ? 'pass' : 'fail',
    expected: `${cases.length} refused, ${names.length} enrol names refused, 0 leaks`,
    received: `${refused} refused, ${enrollSafe} enrol names refused, ${leaked.length} leaks`,
    recovery_ms: null,
    notes: rows.join('; '),
  });
  await d.kill('SIGTERM');
});
