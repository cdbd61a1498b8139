import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { MemoryStore } from '../../daemon/memory/index.js';
import { ManualClock, silentLogger } from '../../daemon/system/index.js';
import { MEDIA, MODELS, haveShared } from './support/shared.js';

if (!haveShared()) throw new Error('test/vision needs ../shared (models and media): set HOMESIGHT_SHARED_DIR');

const repo = new URL('../../', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'hs-vision-cli-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
const cfg = join(tmp, 'homesight.yaml');
writeFileSync(
  cfg,
  `paths:\n  data_dir: ${join(tmp, 'data')}\n  cache_dir: ${join(tmp, 'cache')}\n  models_dir: ${MODELS}\nmqtt:\n  enabled: false\n`,
);

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.HOMESIGHT_CONFIG;
    const p = spawn(process.execPath, [join(repo, 'bin/homesight.js'), ...args], { cwd: tmp, env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

t.test('homesight enroll NAME IMG… adds faces to the gallery in the memory database', async (t) => {
  const r = await cli(['enroll', 'Obama', join(MEDIA, 'obama.jpg'), join(MEDIA, 'two_people.jpg'), '--config', cfg]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /obama\.jpg: face \d+,\d+,\d+,\d+ \(score 0\.9\d*\) enrolled/);
  t.match(r.stdout, /Obama: 1 face\(s\) added, 1 in the gallery/);
  t.match(r.stderr, /two_people\.jpg: skipped: 2 faces of similar size/);
  const store = new MemoryStore({ file: join(tmp, 'data', 'homesight.db'), log: silentLogger(), clock: new ManualClock(0) });
  t.match(store.identities.list(), [{ name: 'Obama', embeddings: 1 }]);
  const emb = store.identities.embeddings('Obama')[0]!;
  t.equal(emb.length, 128);
  store.close();
});

t.test('enroll: usage, unreadable file, no face → sysexits codes and a reason', async (t) => {
  t.equal((await cli(['enroll', 'Obama', '--config', cfg])).code, 64);
  const missing = await cli(['enroll', 'Obama', join(tmp, 'nope.jpg'), '--config', cfg]);
  t.equal(missing.code, 66);
  t.match(missing.stderr, /cannot read .*nope\.jpg/);
  const blank = join(tmp, 'wall.png');
  await sharp({ create: { width: 200, height: 200, channels: 3, background: '#808080' } })
    .png()
    .toFile(blank);
  const none = await cli(['enroll', 'Ghost', blank, '--config', cfg]);
  t.equal(none.code, 65);
  t.match(none.stderr, /no usable face in 1 image/);
  t.match(none.stderr, /wall\.png: no face found/);
});
