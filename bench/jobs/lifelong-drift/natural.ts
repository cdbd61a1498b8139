/**
 * No forgetting of the base (issue #19): the natural set (bench/data/natural, never tuned on) planned by the shipped
 * model bare and with each household's final adopted adapter from the lifelong drift run — measure only.
 * `npx tsx bench/jobs/lifelong-drift/natural.ts [--workspace bench/workspace/lifelong-drift]
 *   [--out bench/results/lifelong-drift-natural.json] [--base GGUF]`
 * `--base` is the model the run's adapters were trained on (default: the shipped model); every adapter's manifest must
 * name its sha256, or the script stops (an adapter for another base would be measured as the bare model).
 * The rows run as a benchmark job of their own (bench/workspace/lifelong-drift-natural/).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AdapterStore } from '../../../daemon/learning/adapters/index.js';
import { progressBar, runBenchmarkJob } from '../../harness/index.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const { values } = parseArgs({
  options: {
    workspace: { type: 'string', default: 'bench/workspace/lifelong-drift' },
    out: { type: 'string', default: 'bench/results/lifelong-drift-natural.json' },
    base: { type: 'string', default: here('../../../models/planner/homesight-planner-2m-q8_0.gguf') },
  },
});
const BASE = resolve(values.base);
const baseSha = createHash('sha256').update(readFileSync(BASE)).digest('hex');
const QUESTIONS = here('../../data/natural/questions.jsonl');
const sha256 = createHash('sha256').update(readFileSync(QUESTIONS)).digest('hex');

// the final adopted adapter of every household of every adapter row
const adapters: Array<{ row: string; household: string; id: string; file: string }> = [];
const adapterRows = existsSync(values.workspace) ? readdirSync(values.workspace).filter((r) => r.startsWith('edge-adapters-')) : [];
for (const row of adapterRows.sort()) {
  const base = join(values.workspace, row);
  if (!existsSync(base)) continue;
  // the most recently started case (a changed updater or setting is a new case id)
  const started = (id: string): string =>
    existsSync(join(base, id, 'case.json'))
      ? ((JSON.parse(readFileSync(join(base, id, 'case.json'), 'utf8')) as { started_at?: string }).started_at ?? '')
      : '';
  const latest = readdirSync(base)
    .filter((id) => existsSync(join(base, id, 'done.json')))
    .sort((a, b) => started(a).localeCompare(started(b)))
    .slice(-1);
  for (const id of latest) {
    const edges = join(base, id, 'work', 'edge');
    if (!existsSync(edges)) continue;
    for (const household of readdirSync(edges).sort()) {
      const dir = join(edges, household, 'adapters');
      if (!existsSync(dir)) continue;
      const store = await AdapterStore.open({ dir, keep: 3, trustedKeys: [] });
      const a = store.active();
      if (a === null) continue;
      if (a.manifest.base_model_sha256 !== baseSha)
        throw new Error(
          `${row}/${household}: adapter ${a.id} was trained for base sha256 ${a.manifest.base_model_sha256.slice(0, 12)}…, ` +
            `not ${BASE} (${baseSha.slice(0, 12)}…): pass the run's base model with --base`,
        );
      adapters.push({ row, household, id: a.id, file: resolve(a.file) });
    }
  }
}

const dir = resolve('bench/workspace/lifelong-drift-natural-job');
mkdirSync(dir, { recursive: true });
const planner = (adapter: string | null): string => `algorithm:
  paradigm_type: singletasklearning
  modules:
    - type: planner
      name: local
      url: ${here('../lifelong/household-planner.ts')}
      hyperparameters:
        - model: {values: ["${BASE}"]}
        - threads: {values: [1]}
        - context_size: {values: [1024]}
        - gpu_layers: {values: [0]}
        - max_tokens: {values: [256]}
${adapter === null ? '' : `        - adapter: {values: ["${adapter}"]}\n`}`;
writeFileSync(join(dir, 'base.yaml'), planner(null));
adapters.forEach((a, i) => writeFileSync(join(dir, `adapter-${i}.yaml`), planner(a.file)));
const name = (i: number): string => `${adapters[i]!.row.replace('edge-adapters-', '')}-${adapters[i]!.household}`;
writeFileSync(
  join(dir, 'job.yaml'),
  `benchmarkingjob:
  name: lifelong-drift-natural
  workspace: ${resolve('bench/workspace')}
  testenv: ${here('../planner/natural-testenv.yaml')}
  test_object:
    type: algorithms
    algorithms:
      - {name: base, url: ./base.yaml}
${adapters.map((_, i) => `      - {name: ${name(i)}, url: ./adapter-${i}.yaml}`).join('\n')}
  rank:
    sort_by: [{node_f1: descend}]
`,
);
// force: a re-run of the drift job writes new adapters under the same ids and paths, which the cache would not see
const r = await runBenchmarkJob(join(dir, 'job.yaml'), { progress: progressBar(process.stderr), force: true });
const rows = r.cases.map((c) => ({
  row: c.algorithm,
  adapter: c.algorithm === 'base' ? null : (adapters.find((_, i) => name(i) === c.algorithm)?.id ?? null),
  node_f1: c.metrics.node_f1 ?? null,
  edge_f1: c.metrics.edge_f1 ?? null,
  v_f1: c.metrics.v_f1 ?? null,
}));
writeFileSync(
  values.out,
  JSON.stringify({ natural_set_sha256: sha256, base_model_sha256: baseSha, written: new Date().toISOString(), rows }, null, 2) + '\n',
);
process.stderr.write(`wrote ${values.out} (${rows.length} rows, natural set sha256 ${sha256})\n`);
