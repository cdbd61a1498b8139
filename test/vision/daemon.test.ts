import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../daemon/config/index.js';
import { Daemon } from '../../daemon/main.js';
import { MODULES } from '../../daemon/modules.js';
import type { MemoryModule } from '../../daemon/memory/index.js';
import type { VisionEventPayload, VisionModule } from '../../daemon/vision/index.js';
import { MEDIA, MODELS, haveShared } from './support/shared.js';

if (!haveShared()) throw new Error('test/vision needs ../shared (models and media): set HOMESIGHT_SHARED_DIR');

const dir = mkdtempSync(join(tmpdir(), 'hs-vision-daemon-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('the daemon with the file camera on the plaza clip writes person and activity events', async (t) => {
  const file = join(dir, 'homesight.yaml');
  writeFileSync(
    file,
    [
      `paths: {data_dir: ${dir}/data, cache_dir: ${dir}/cache, recordings_dir: ${dir}/rec, media_dir: ${MEDIA}, models_dir: ${MODELS}}`,
      'health: {port: 0}',
      'agent: {enabled: false}',
      'mqtt: {enabled: false}',
      'vision: {pose: {max_persons: 4}}',
      'cameras:',
      '  demo:',
      '    room: plaza',
      '    source: {kind: file, path: vtest.avi, loop: true, realtime: true}',
      '    detect: {width: 768, height: 576, fps: 5}',
    ].join('\n'),
  );
  const daemon = new Daemon(loadConfig({ file, env: {} }), {
    load: { file, env: {} },
    env: { PATH: process.env.PATH ?? '' },
    modules: MODULES.filter((m) => ['memory', 'ingest', 'vision'].includes(m.name)),
    logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
  });
  t.teardown(() => daemon.stop());
  const seen: VisionEventPayload[] = [];
  daemon.bus.on('vision.event', seen, (p) => seen.push(p));
  t.equal(await daemon.start(), null, 'daemon started');
  const vision = daemon.container.get<VisionModule>('vision')!;
  t.same(vision.dependsOn, ['memory', 'ingest']);
  const deadline = Date.now() + 45_000;
  const count = (kind: string, change: string): number => seen.filter((e) => e.event.kind === kind && e.change === change).length;
  while (Date.now() < deadline && !(count('person', 'new') >= 3 && count('activity', 'new') >= 1)) await new Promise((r) => setTimeout(r, 250));
  t.ok(count('person', 'new') >= 3, `${count('person', 'new')} person events`);
  t.ok(count('activity', 'new') >= 1, `${count('activity', 'new')} activity events`);
  const report = (await daemon.container.probe()).find((r) => r.name === 'vision');
  t.match(report, { state: 'running', health: { status: 'ok', summary: /4\/4 models on cpu; 1 camera/ } });
  await daemon.stop();
  const store = daemon.container.get<MemoryModule>('memory');
  t.ok(store !== undefined);
  const ended = seen.filter((e) => e.event.kind === 'person' && e.change === 'end');
  t.equal(ended.length, count('person', 'new'), 'stopping ends every open person event');
  t.ok(seen.filter((e) => e.event.kind === 'person').every((e) => e.event.camera === 'demo' && e.event.track_id?.startsWith('demo-')));
});
