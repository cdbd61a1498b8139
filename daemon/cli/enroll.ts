import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { EXIT, HomeSightError, LogHub, errorMessage, systemClock } from '../system/index.js';
import type { CliCommand } from './command.js';
import { loadCliConfig } from './common.js';

/**
 * `homesight enroll NAME IMG…`: adds a person's face(s) to the household
 * gallery in the memory database, with the same face models the daemon uses.
 */
export const enrollCommand: CliCommand = {
  name: 'enroll',
  usage: 'enroll NAME IMG… [--config FILE]',
  summary: "add a person's face from photos to the identity gallery",
  options: { config: { type: 'string', short: 'c' }, verbose: { type: 'boolean', short: 'v' } },
  async run(values, positionals) {
    const [name, ...files] = positionals;
    if (name === undefined || files.length === 0) {
      process.stderr.write('usage: homesight enroll NAME IMG… [--config FILE]\n');
      return EXIT.USAGE;
    }
    const loaded = loadCliConfig(values.config);
    if (typeof loaded === 'number') return loaded;
    const config = loaded.config;
    const images: Buffer[] = [];
    for (const f of files) {
      try {
        images.push(await readFile(f));
      } catch (err) {
        process.stderr.write(`homesight enroll: cannot read ${f}: ${errorMessage(err)}\n`);
        return EXIT.NOINPUT;
      }
    }
    const logs = new LogHub({ level: values.verbose === true ? 'info' : 'fatal', pretty: 'auto', destination: process.stderr });
    const log = logs.child({ module: 'enroll' });
    const [{ MemoryStore, memoryDbPath }, { VisionEngine, enrollFaces }] = await Promise.all([
      import('../memory/index.js'),
      import('../vision/index.js'),
    ]);
    const abs = (p: string): string => (isAbsolute(p) ? p : resolve(p));
    const engine = await VisionEngine.load({
      vision: config.vision,
      modelsDir: abs(config.paths.models_dir),
      engineCacheDir: join(abs(config.paths.cache_dir), config.vision.tensorrt.engine_cache),
      log,
      kinds: ['face-detector', 'face-embedder'],
    });
    let store: InstanceType<typeof MemoryStore> | null = null;
    try {
      store = new MemoryStore({ file: memoryDbPath(config), log, clock: systemClock });
      const r = await enrollFaces(engine, store.identities, config.vision.identity.min_face_px, name, images, { source: 'cli' });
      for (const f of r.faces) {
        process.stdout.write(`${files[f.index]}: face ${f.box.join(',')} (score ${f.score}) enrolled\n`);
      }
      for (const s of r.skipped) process.stderr.write(`${files[s.index]}: skipped: ${s.reason}\n`);
      const info = store.identities.list().find((i) => i.name === r.name);
      process.stdout.write(
        `${r.name}: ${r.added} face(s) added, ${info?.embeddings ?? r.added} in the gallery (${memoryDbPath(config)})\n`,
      );
      return EXIT.OK;
    } catch (err) {
      if (err instanceof HomeSightError) {
        process.stderr.write(`homesight enroll: ${err.message}${err.hint === undefined ? '' : ` (${err.hint})`}\n`);
        if (err.code === 'E_ENROLL_NO_FACE' || err.code === 'E_ENROLL_NAME') {
          for (const s of (err.context.skipped as Array<{ index: number; reason: string }> | undefined) ?? []) {
            process.stderr.write(`${files[s.index]}: ${s.reason}\n`);
          }
          return EXIT.DATAERR;
        }
        return EXIT.FAILURE;
      }
      process.stderr.write(`homesight enroll: ${errorMessage(err)}\n`);
      return EXIT.FAILURE;
    } finally {
      store?.close();
      await engine.release();
    }
  },
};
