import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../daemon/config/index.js';
import { Daemon } from '../../daemon/main.js';
import { MODULES } from '../../daemon/modules.js';
import type { VisionEventPayload } from '../../daemon/contracts/index.js';
import { MEDIA, MODELS, haveShared } from './support/shared.js';

if (!haveShared()) throw new Error('test/vision needs ../shared (models and media): set HOMESIGHT_SHARED_DIR');

const dir = mkdtempSync(join(tmpdir(), 'hs-vision-daemon-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** The embedded default (no config file), pointed at a temp dir and ../shared like `npm run demo`; MQTT and agent off. */
function embeddedDefault(extra: Record<string, string> = {}) {
  const env = {
    HOMESIGHT_PATHS__DATA_DIR: join(dir, 'data'),
    HOMESIGHT_PATHS__CACHE_DIR: join(dir, 'cache'),
    HOMESIGHT_PATHS__RECORDINGS_DIR: join(dir, 'rec'),
    HOMESIGHT_PATHS__MEDIA_DIR: MEDIA,
    HOMESIGHT_PATHS__MODELS_DIR: MODELS,
    HOMESIGHT_HEALTH__PORT: '0',
    HOMESIGHT_AGENT__ENABLED: 'false',
    HOMESIGHT_MQTT__ENABLED: 'false',
    ...extra,
  };
  const daemon = new Daemon(loadConfig({ env }), {
    load: { env },
    env: { PATH: process.env.PATH ?? '' },
    modules: MODULES.filter((m) => ['memory', 'ingest', 'vision'].includes(m.name)),
    logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
  });
  return daemon;
}

t.test('the embedded default: person and activity events on the plaza clip, an identity at the entrance', async (t) => {
  const daemon = embeddedDefault();
  t.teardown(() => daemon.stop());
  const seen: VisionEventPayload[] = [];
  daemon.bus.on('vision.event', seen, (p) => seen.push(p));
  t.equal(await daemon.start(), null, 'daemon started');
  const vision = daemon.module('vision')!;
  t.same(vision.dependsOn, ['memory', 'ingest']);
  const deadline = Date.now() + 60_000;
  const count = (camera: string, kind: string, change: string): number =>
    seen.filter((e) => e.event.camera === camera && e.event.kind === kind && e.change === change).length;
  const identity = (): VisionEventPayload | undefined => seen.find((e) => e.event.camera === 'entrance' && e.event.kind === 'identity');
  while (
    Date.now() < deadline &&
    !(
      count('demo', 'person', 'new') >= 3 &&
      count('demo', 'activity', 'new') >= 1 &&
      identity() !== undefined &&
      count('entrance', 'activity', 'new') >= 1
    )
  ) {
    await new Promise((r) => setTimeout(r, 250));
  }
  t.ok(count('demo', 'person', 'new') >= 3, `${count('demo', 'person', 'new')} person events on the plaza`);
  t.ok(count('demo', 'activity', 'new') >= 1, `${count('demo', 'activity', 'new')} activity events on the plaza`);
  // Barack is enrolled from obama.jpg (household.people[].faces); the entrance camera shows obama2.jpg.
  t.match(identity()?.event, { kind: 'identity', identity: 'Barack', label: 'Barack' }, 'the entrance person is recognised');
  t.ok(count('entrance', 'activity', 'new') >= 1, 'the entrance person has an activity');
  const report = (await daemon.container.probe()).find((r) => r.name === 'vision');
  t.match(report, { state: 'running', health: { status: 'ok', summary: /4\/4 models on cpu; 2 cameras/ } });
  const memory = daemon.module('memory')!;
  t.match(memory.store.identities.list(), [{ name: 'Barack', embeddings: 1 }], 'one face enrolled from the photo');
  await daemon.stop();
  const ended = seen.filter((e) => e.event.kind === 'person' && e.change === 'end');
  t.equal(
    ended.length,
    seen.filter((e) => e.event.kind === 'person' && e.change === 'new').length,
    'stopping ends every open person event',
  );
  t.ok(seen.filter((e) => e.event.kind === 'person').every((e) => e.event.track_id?.startsWith(`${e.event.camera}-`)));

  // A restart enrols nothing again (photos are tagged by content).
  const again = embeddedDefault({ HOMESIGHT_CAMERAS: '{}' });
  t.teardown(() => again.stop());
  t.equal(await again.start(), null);
  t.match(again.module('memory')!.store.identities.list(), [{ name: 'Barack', embeddings: 1 }], 'still one face after a restart');
  await again.stop();
});

t.test('a face photo that cannot be used is reported in health; vision keeps running', async (t) => {
  const people = JSON.stringify([
    { name: 'Ghost', faces: ['no-such-photo.jpg'] },
    { name: 'Plaza', faces: ['vtest.avi'] },
    { name: 'Joe', faces: ['biden.jpg'] },
  ]);
  const daemon = embeddedDefault({
    HOMESIGHT_CAMERAS: '{}',
    HOMESIGHT_HOUSEHOLD: `{people: ${people}}`,
    HOMESIGHT_PATHS__DATA_DIR: join(dir, 'data2'),
  });
  t.teardown(() => daemon.stop());
  t.equal(await daemon.start(), null, 'daemon started');
  const report = (await daemon.container.probe()).find((r) => r.name === 'vision');
  t.match(report, { state: 'degraded', health: { status: 'degraded', summary: /2 face photos not enrolled/ } });
  const problems = (report?.health?.details as { face_photos?: string[] } | undefined)?.face_photos ?? [];
  t.match(problems[0], /^household\.people\[0\]\.faces\[0\] \(Ghost\): cannot read .*no-such-photo\.jpg \(ENOENT\)$/);
  t.match(problems[1], /^household\.people\[1\]\.faces\[0\] \(Plaza\): .*vtest\.avi: /);
  t.comment(problems[1]);
  t.match(daemon.module('memory')!.store.identities.list(), [{ name: 'Joe', embeddings: 1 }], 'the good photo was enrolled');
  await daemon.stop();
});
