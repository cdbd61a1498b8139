import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Writable } from 'node:stream';
import t from 'tap';
import { loadConfig } from '../../daemon/config/index.js';
import { watchNotificationSchema, watchSchema } from '../../daemon/contracts/index.js';
import { Daemon } from '../../daemon/main.js';
import { MODULES } from '../../daemon/modules.js';
import { ManualClock } from '../../daemon/system/index.js';
import { tempDir } from '../agent/support.js';
import { haProblems } from '../mqtt/support/ha-shapes.js';
import { Consumer, freePort, waitFor } from '../mqtt/support/mqtt.js';
import { personEvent, see } from './support.js';

const run = promisify(execFile);
const repo = new URL('../../', import.meta.url).pathname;

/** Saturday 2 May 2026, 21:30 in Berlin: "tonight" has begun. */
const NOW = Date.parse('2026-05-02T21:30:00+02:00');
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);

const yaml = (dir: string, port: number): string => `device_id: hub1
paths:
  data_dir: ${join(dir, 'data')}
  cache_dir: ${join(dir, 'cache')}
health: {port: 0}
household:
  timezone: Europe/Berlin
  rooms: [hallway, living room]
  people:
    - {name: Heinrich, aliases: [Opa], relation: grandfather}
    - {name: Mia, aliases: [Mimi], relation: daughter}
cameras:
  front_door: {room: hallway, source: {kind: file, path: a.mp4}}
  living_room: {room: living room, source: {kind: file, path: b.mp4}}
vision: {enabled: false}
agent: {planner: retrieval}
mqtt:
  embedded: {port: ${port}}
`;

function daemonAt(dir: string, port: number, clock: ManualClock): Daemon {
  const file = join(dir, 'homesight.yaml');
  writeFileSync(file, yaml(dir, port));
  return new Daemon(loadConfig({ file, env: {} }), {
    load: { file, env: {} },
    env: { PATH: process.env.PATH ?? '' },
    clock,
    modules: MODULES.filter((m) => ['memory', 'mqtt', 'watches', 'agent'].includes(m.name)),
    logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
  });
}

t.test('standing orders through the real daemon: watches from words, MQTT notifications, HA entities, a restart', async (t) => {
  const dir = tempDir(t, 'hs-watches-');
  const port = await freePort();
  const clock = new ManualClock(NOW);
  let daemon = daemonAt(dir, port, clock);
  t.teardown(() => daemon.stop());
  t.equal(await daemon.start(), null, 'daemon started');
  const agent = daemon.module('agent')!.service;

  const connectHa = async (): Promise<Consumer> => {
    const c = await Consumer.connect(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, clientId: 'home-assistant' });
    t.teardown(() => c.close());
    await c.subscribe(['homeassistant/#', 'homesight/hub1/watch/#', 'homesight/hub1/reply/#']);
    return c;
  };
  let ha = await connectHa();

  // Plan only (agent/plan, execute: false): the watch it would create, parsed and worded, and nothing created.
  const preview = await agent.ask({ question: 'tell me when Opa gets up from his nap in the living room', options: { execute: false } });
  t.equal(
    preview.answer,
    "Plan only (not created): I'll tell you when Heinrich gets up from lying down on the living room camera until 21:30 tomorrow.",
  );
  t.match(preview.watch, {
    created: false,
    id: null,
    description: 'Heinrich gets up from lying down on the living room camera',
    spec: {
      trigger: { who: { kind: 'person', name: 'Heinrich' }, cameras: ['living_room'], activity: 'lying_down', on: 'end' },
      once: true,
      expires_at: NOW + 24 * 3_600_000,
      action: { mqtt: true, snapshot: true, ha_event: true },
    },
  });
  t.equal(preview.executed, false);
  t.match(preview.plan.task_steps[0], /^Step 1: Create standing watch: Heinrich gets up/);
  const previewRefused = await agent.ask({ question: 'let me know when the dog is in the living room', options: { execute: false } });
  t.match(previewRefused.answer, /^I cannot keep that watch: I can watch for people/, 'plan only gives the reason a watch cannot be kept');
  t.equal(previewRefused.watch, undefined);
  t.same(daemon.module('watches')!.list({ all: true }), [], 'plan only created no watch');

  // Standing orders in words become watches, confirmed back.
  const stranger = await agent.ask({ question: "Let me know if someone I don't know comes to the front door tonight" });
  t.match(stranger.answer, /^I'll let you know whenever someone you don't know shows up on the front door camera until 06:00 tomorrow\.$/);
  t.match(stranger.notes[0], /^created watch w_[0-9a-f]+ until 2026-05-03T06:00/);
  const nap = await agent.ask({ question: 'tell me when Opa gets up from his nap in the living room' });
  t.match(nap.watch, { created: true, id: /^w_/, spec: preview.watch!.spec, confirmation: preview.watch!.confirmation });
  t.match(nap.answer, /^I'll tell you when Heinrich gets up from lying down on the living room camera until 21:30 tomorrow\.$/);
  t.same(
    nap.plan.task_nodes.map((n) => n.task),
    ['compose_answer'],
    'the plan runs no data tool: the watch is the side effect, named in its steps',
  );
  t.match(nap.plan.task_steps[0], /^Step 1: Create standing watch w_/);
  const dog = await agent.ask({ question: 'let me know when the dog is in the living room' });
  t.match(dog.answer, /^I cannot keep that watch: I can watch for people/, 'what a watch cannot express is refused with the reason');
  const unlock = await agent.ask({ question: 'tell me when Mia comes home and unlock the front door' });
  t.match(unlock.answer, /no control over locks/, 'a standing order with an action HomeSight cannot do is declined as before');

  const watches = daemon.module('watches')!;
  const active = watches.list();
  t.equal(active.length, 2, 'two watches active');
  for (const w of active) t.ok(watchSchema.safeParse(w).success, 'list returns the schema shape');
  const napWatch = active.find((w) => w.question?.includes('Opa'));
  const strangerWatch = active.find((w) => w.question?.includes('front door'));
  t.match(strangerWatch!.spec.trigger, { who: { kind: 'unknown' }, cameras: ['front_door'] });
  t.match(napWatch!.spec.trigger, { who: { kind: 'person', name: 'Heinrich' }, activity: 'lying_down', on: 'end' });

  // Each active watch is a Home Assistant event entity.
  const cfg = (id: string): string => `homeassistant/event/homesight_hub1/watch_${id}/config`;
  await waitFor(() => active.every((w) => ha.last(cfg(w.id)) !== undefined), 10_000, 'watch discovery');
  for (const w of active) {
    const m = ha.last(cfg(w.id))!;
    t.same(haProblems(m.topic, m.json()), [], 'the HA-shaped checker accepts the watch entity');
    t.match(m.json(), { event_types: ['triggered'], state_topic: `homesight/hub1/watch/${w.id}/event`, qos: 1 });
  }
  // …and a device trigger of the HomeSight device on the same topic (automations built in HA's UI).
  const trig = (id: string): string => `homeassistant/device_automation/homesight_hub1/watch_${id}/config`;
  await waitFor(() => active.every((w) => ha.last(trig(w.id)) !== undefined), 10_000, 'watch device triggers');
  for (const w of active) {
    const m = ha.last(trig(w.id))!;
    t.same(haProblems(m.topic, m.json()), [], 'the HA-shaped checker accepts the device trigger');
    t.same(m.json(), {
      automation_type: 'trigger',
      topic: `homesight/hub1/watch/${w.id}/event`,
      type: 'watch_triggered',
      subtype: `${w.description} (${w.id})`,
      qos: 1,
      device: ha.last(cfg(w.id))!.json().device,
      origin: ha.last(cfg(w.id))!.json().origin,
    });
  }
  const bad = { automation_type: 'action', topic: 't', type: 'a', subtype: 'b', device: { identifiers: ['d'] }, name: 'n' };
  t.same(
    haProblems(trig('x'), bad),
    ['device_automation: unknown key name', "device_automation: automation_type must be 'trigger'"],
    'the checker refuses a device trigger HA would not take',
  );
  const later = await Consumer.connect(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4 });
  await later.subscribe('homeassistant/event/#');
  for (const w of active) t.equal((await later.waitTopic(cfg(w.id))).retain, true, 'discovery is retained');
  await later.close();

  // A stranger at the front door, with a snapshot: notified once.
  mkdirSync(join(dir, 'data', 'snapshots'), { recursive: true });
  writeFileSync(join(dir, 'data', 'snapshots', 's1.jpg'), JPEG);
  const visitor = personEvent('ev-stranger', 'front_door', clock.now(), { snapshot: 'snapshots/s1.jpg' });
  see(daemon, 'new', visitor);
  for (let i = 0; i < 5; i++) see(daemon, 'update', visitor);
  const note = await ha.waitTopic('homesight/hub1/watch/triggered');
  const parsed = watchNotificationSchema.parse(note.json());
  t.match(parsed, { watch_id: strangerWatch!.id, camera: 'front_door', identity: null, event_id: 'ev-stranger', fired: 1 });
  t.equal(Buffer.from(parsed.snapshot!, 'base64').compare(JPEG), 0, 'the snapshot travels with the notification');
  const haEvent = await ha.waitTopic(`homesight/hub1/watch/${strangerWatch!.id}/event`);
  t.match(haEvent.json(), { event_type: 'triggered', watch_id: strangerWatch!.id, camera: 'front_door' });
  t.notOk('snapshot' in haEvent.json(), 'the HA event carries no image');

  // Opa wakes up from his nap: fired once, then done and gone from Home Assistant.
  const opa = personEvent('ev-opa', 'living_room', clock.now(), { identity: 'Heinrich', activity: 'lying_down' });
  see(daemon, 'new', opa);
  clock.advance(20 * 60_000);
  see(daemon, 'update', { ...opa, activity: 'sitting' });
  const woke = await ha.waitTopic('homesight/hub1/watch/triggered', (m) => m.json().watch_id === napWatch!.id);
  t.match(woke.json(), { identity: 'Heinrich', activity: 'sitting', camera: 'living_room' });
  await waitFor(() => ha.last(cfg(napWatch!.id))?.payload.length === 0, 10_000, 'the done watch removed from HA');
  await waitFor(() => ha.last(trig(napWatch!.id))?.payload.length === 0, 10_000, 'its device trigger removed too');
  t.equal(watches.get(napWatch!.id)?.status, 'done');
  await new Promise((r) => setTimeout(r, 200));
  t.equal(ha.on('homesight/hub1/watch/triggered').length, 2, 'no duplicate notifications');

  // watch/list and watch/cancel over MQTT.
  const request = async (topic: string, body: object, id: string): Promise<Record<string, unknown>> => {
    const reply = `homesight/hub1/reply/${id}`;
    await ha.client.publishAsync(`homesight/hub1/${topic}`, JSON.stringify({ ...body, id, reply_to: reply }));
    const m = await ha.waitTopic(reply, (x) => x.json().status !== 'progress');
    t.equal(m.json().status, 'ok', `${topic} answered ok ${m.text().slice(0, 300)}`);
    return m.json().data as Record<string, unknown>;
  };
  const planned = (await request('agent/plan', { question: 'let me know if someone is in the living room tonight' }, 'p1')) as {
    watch: { created: boolean; spec: { trigger: { cameras: string[] } } };
    executed: boolean;
  };
  t.match(planned, { executed: false, watch: { created: false, spec: { trigger: { cameras: ['living_room'] } } } }, 'agent/plan over MQTT');
  const listed = (await request('watch/list', {}, 'l1')) as { watches: Array<{ id: string }> };
  t.same(
    listed.watches.map((w) => w.id),
    [strangerWatch!.id],
    'watch/list: the active one',
  );
  const created = (await request(
    'watch/create',
    { spec: { trigger: { who: { kind: 'person', name: 'Mia' }, cameras: ['front_door'] }, cooldown_s: 60 } },
    'c1',
  )) as { id: string; description: string; expires_at: number };
  t.match(created, { description: 'Mia is seen on the front door camera', expires_at: NOW + 20 * 60_000 + 24 * 3_600_000 });

  // A restart keeps the active watches (the store is the memory database).
  await daemon.stop();
  clock.advance(60_000);
  daemon = daemonAt(dir, port, clock);
  t.equal(await daemon.start(), null, 'daemon restarted');
  // The embedded broker restarted with the daemon: Home Assistant connects again and gets the entities back.
  await ha.close();
  ha = await connectHa();
  await waitFor(() => ha.last(cfg(strangerWatch!.id))?.json().name !== undefined, 10_000, 're-announced after the restart');
  const again = daemon.module('watches')!;
  t.same(
    again
      .list()
      .map((w) => w.id)
      .sort(),
    [strangerWatch!.id, created.id].sort(),
    'both active watches survive the restart',
  );
  t.match(again.get(strangerWatch!.id), { fired: 1, status: 'active' }, 'with their firing count');
  t.equal(again.get(napWatch!.id)?.status, 'done');
  const cancelled = await request('watch/cancel', { watch_id: created.id }, 'x1');
  t.same(cancelled, { cancelled: true, watch_id: created.id });
  await waitFor(() => ha.last(trig(created.id))?.payload.length === 0, 10_000, 'a cancelled watch leaves no device trigger');
  t.same(
    again.list().map((w) => w.id),
    [strangerWatch!.id],
  );
  // The CLI speaks the same MQTT requests (a child process: this process serves them).
  const cli = async (...args: string[]): Promise<{ code: number; out: string }> => {
    try {
      const r = await run(process.execPath, [join(repo, 'bin', 'homesight.js'), ...args, '--config', join(dir, 'homesight.yaml')], {
        env: { ...process.env, HOMESIGHT_CONFIG: '' },
        timeout: 120_000,
      });
      return { code: 0, out: r.stdout };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: e.stdout + e.stderr };
    }
  };
  const listedByCli = await cli('watch', 'list');
  t.equal(listedByCli.code, 0, 'homesight watch list');
  t.match(
    listedByCli.out,
    new RegExp(
      `^${strangerWatch!.id}  active +until 2026-05-03 06:00, fired 1×  someone you don't know shows up on the front door camera\n$`,
    ),
  );
  const added = await cli('watch', 'add', 'let me know if someone is in the living room for the next 2 hours');
  t.equal(added.code, 0, 'homesight watch add (in words, through the agent)');
  t.match(added.out, /^I'll let you know whenever someone shows up on the living room camera until /);
  const newest = again.list().find((w) => w.question?.includes('living room'))!;
  const cancelledByCli = await cli('watch', 'cancel', newest.id);
  t.equal(cancelledByCli.code, 0, 'homesight watch cancel');
  t.equal(again.get(newest.id)?.status, 'cancelled');

  // After the window ("tonight" ends at 06:00), nothing fires and the watch expires.
  clock.advance(9 * 3_600_000);
  see(daemon, 'new', personEvent('ev-late', 'front_door', clock.now()));
  await new Promise((r) => setTimeout(r, 3_500));
  t.equal(ha.on('homesight/hub1/watch/triggered').length, 0, 'no notification outside the window');
  t.end();
});
