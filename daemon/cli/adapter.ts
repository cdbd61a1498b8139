import type { openAdapterStoreFromConfig } from '../learning/index.js';
import { EXIT, HomeSightError } from '../system/index.js';
import type { CliCommand } from './command.js';
import { loadCliConfig } from './common.js';

type Values = Record<string, string | boolean | string[] | undefined>;

async function withStore<T>(
  values: Values,
  fn: (store: Awaited<ReturnType<typeof openAdapterStoreFromConfig>>) => Promise<T>,
): Promise<T | number> {
  const loaded = loadCliConfig(values['config']);
  if (typeof loaded === 'number') return loaded;
  try {
    // learning/ is imported by its commands only, so `homesight run` without learning.enabled never loads it.
    const { openAdapterStoreFromConfig } = await import('../learning/index.js');
    return await fn(await openAdapterStoreFromConfig(loaded.config));
  } catch (err) {
    if (err instanceof HomeSightError) {
      process.stderr.write(`homesight adapter: ${err.message}${err.hint === undefined ? '' : `\n  hint: ${err.hint}`}\n`);
      return EXIT.FAILURE;
    }
    throw err;
  }
}

const fmt = (x: unknown): string => (typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toFixed(4)) : String(x));

const list: CliCommand = {
  name: 'adapter list',
  usage: 'adapter list [--config FILE] [--json] [--decisions N]',
  summary: 'list kept LoRA adapters (active first) and recent adopt/reject decisions',
  options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' }, decisions: { type: 'string' } },
  async run(values) {
    const n = typeof values['decisions'] === 'string' ? Math.max(0, Number.parseInt(values['decisions'], 10) || 0) : 5;
    const r = await withStore(values, async (store) => {
      const kept = store.list();
      const decisions = await store.decisions(n);
      if (values['json'] === true) {
        const out = {
          dir: store.dir,
          active: store.active()?.id ?? null,
          adapters: kept.map((a) => ({
            id: a.id,
            active: a.active,
            adopted_at: a.adoptedAt,
            metrics: a.metrics,
            manifest: a.manifest,
            file: a.file,
          })),
          decisions,
        };
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        return EXIT.OK;
      }
      process.stdout.write(`adapter store: ${store.dir}\n`);
      process.stdout.write(`active: ${store.active()?.id ?? '(none: bare base model)'}\n`);
      if (kept.length === 0) process.stdout.write('no adapters kept\n');
      for (const a of kept) {
        const m = Object.entries(a.metrics)
          .map(([k, v]) => `${k}=${fmt(v)}`)
          .join(' ');
        process.stdout.write(
          `${a.active ? '*' : ' '} ${a.id}  adopted ${a.adoptedAt}  ` +
            `base ${a.manifest.base_model_sha256.slice(0, 12)}  created ${a.manifest.created}  ${m}\n`,
        );
      }
      if (decisions.length > 0) {
        process.stdout.write(`recent decisions (newest first):\n`);
        for (const d of decisions) {
          if (d['kind'] === 'rollback')
            process.stdout.write(`  ${String(d['at'])} rollback ${String(d['from'])} -> ${String(d['to'] ?? 'base')}\n`);
          else
            process.stdout.write(
              `  ${String(d['at'])} ${String(d['kind'])} ${String(d['id'])} [${String(d['stage'])}] ${String(d['reason'])}\n`,
            );
        }
      }
      return EXIT.OK;
    });
    return typeof r === 'number' ? r : EXIT.OK;
  },
};

const rollback: CliCommand = {
  name: 'adapter rollback',
  usage: 'adapter rollback [ID|base] [--config FILE]',
  summary: 'go back to the previous (or the named) kept adapter, or to the bare base model',
  options: { config: { type: 'string', short: 'c' } },
  async run(values, positionals) {
    const target = positionals[0];
    const r = await withStore(values, async (store) => {
      const { from, to } = await store.rollback(target);
      process.stdout.write(`rolled back: ${from ?? 'base'} -> ${to ?? 'base (no adapter)'}\n`);
      process.stdout.write('a running daemon switches when its adapter store notices the change (AdapterStore.watch polls state.json)\n');
      return EXIT.OK;
    });
    return typeof r === 'number' ? r : EXIT.OK;
  },
};

export const adapterCommands: CliCommand[] = [list, rollback];
