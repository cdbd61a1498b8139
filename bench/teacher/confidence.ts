/**
 * How far the model teacher's confidence can be trusted (issue #19, build item 1): the ModelTeacher labels the
 * disjoint sample of the planner corpus (households the shipped model never saw in training) the way the service
 * labels uploads — questions, gold plans and household context masked by the device's privacy filter — and each
 * label is compared with the gold plan (samePlan: the same task graph). Per min_confidence threshold: coverage (share
 * of questions that would become pseudo-labels) and precision (share of those equal to gold, ignoring case). The greedy plan
 * (one sample at temperature 0, what the device itself writes) is the row without voting.
 *
 *   node --import tsx bench/teacher/confidence.ts [--model FILE.gguf]... [--limit N] [--out bench/results]
 *
 * With several --model flags every model is measured in the same run, and each pair also as one teacher that labels
 * only where both models' voted plans agree (confidence: the lower of the two) — whether two teachers that make
 * different mistakes are more precise together than either alone.
 *
 * Measuring only: nothing is tuned on this set.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { agreedLabel, ModelTeacher, samePlanIgnoringCase, type TeacherLabel } from '../../cloud/index.js';
import type { TaskPlan } from '../../daemon/agent/index.js';
import { planContextOf } from '../../daemon/contracts/index.js';
import { PrivacyFilter } from '../../daemon/learning/index.js';
import type { TopLevelSpec } from 'vega-lite';
import { loadDataset, renderSvg, requestFor } from '../harness/index.js';

const QUESTIONS = 'var/datasets/planner-corpus/disjoint-q2a/questions.jsonl';
const HOUSEHOLDS = 'var/datasets/planner-corpus/disjoint-q2a/households.json';
const THRESHOLDS = [0, 0.4, 0.6, 0.8, 1];

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true, default: ['models/planner/homesight-planner-2m-q8_0.gguf'] },
    limit: { type: 'string', default: '300' },
    out: { type: 'string', default: 'bench/results' },
    /** Re-render the md and svg from a result json (no measuring). */
    from: { type: 'string' },
  },
});
interface Result {
  date: string;
  /** The models measured (file names) with their sha256. */
  models: Array<{ file: string; sha256: string }>;
  data: { questions: string; sha256: string; n: number };
  load_average: { start: number; end: number };
  table: Array<{
    teacher: string;
    ms_per_question: number | null;
    thresholds: Array<{ min_confidence: number; coverage: number; precision: number | null; labels: number }>;
  }>;
}

/** A teacher's label of one question, and whether it is the gold task graph. */
type Row = { id: string; label: TeacherLabel; exact: boolean };

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

async function measure(): Promise<Result> {
  const data = loadDataset({ format: 'q2a', testUrl: QUESTIONS, householdUrl: HOUSEHOLDS, limit: Number(values.limit) });
  const models = values.model;
  const load = [loadavg()[0]!];
  const rows: Record<string, Row[]> = {};
  const ms: Record<string, number | null> = {};
  const voted: string[] = [];
  for (const model of models) {
    const short = `${basename(dirname(model))}/${basename(model, '.gguf')}`;
    const teachers = {
      [`${short}: voted (k=5, T=0.7, seed 1)`]: new ModelTeacher({ model, gpuLayers: 0, threads: 1 }),
      [`${short}: greedy (k=1, T=0)`]: new ModelTeacher({ model, gpuLayers: 0, threads: 1, voting: { samples: 1, temperature: 0 } }),
    };
    voted.push(Object.keys(teachers)[0]!);
    for (const [name, teacher] of Object.entries(teachers)) {
      const r: Row[] = [];
      rows[name] = r;
      const t0 = performance.now();
      let n = 0;
      for (const s of data.test) {
        const req = requestFor(s, data.households);
        const filter = new PrivacyFilter({ secret: 'bench-device-secret', people: req.household.people.map((p) => ({ ...p })) });
        const gold: TaskPlan = filter.maskPlan(s.gold);
        const label: TeacherLabel = await teacher.plan({
          household: s.household ?? 'default',
          question: filter.maskText(s.instruction),
          context: filter.maskContext(planContextOf(req)),
        });
        r.push({ id: s.id, label, exact: label.plan !== null && samePlanIgnoringCase(label.plan, gold) });
        if (++n % 25 === 0) process.stderr.write(`${name}: ${n}/${data.test.length}\n`);
      }
      ms[name] = (performance.now() - t0) / data.test.length;
      await teacher.dispose();
    }
  }
  // Pairs: the two voted labels combined as the AgreementTeacher combines them (without drawing them again).
  for (let i = 0; i < voted.length; i++)
    for (let j = i + 1; j < voted.length; j++) {
      const a = rows[voted[i]!]!;
      const b = rows[voted[j]!]!;
      const names = [voted[i]!.split(':')[0]!, voted[j]!.split(':')[0]!];
      const name = `${names[0]} + ${names[1]}: both voted plans agree`;
      rows[name] = a.map((x, k) => {
        const label = agreedLabel([x.label, b[k]!.label], names);
        return { id: x.id, label, exact: label.plan !== null && x.exact };
      });
      ms[name] = null;
    }
  load.push(loadavg()[0]!);

  const table = Object.entries(rows).map(([name, r]) => ({
    teacher: name,
    ms_per_question: ms[name] === null ? null : Math.round(ms[name]!),
    thresholds: THRESHOLDS.map((th) => {
      const kept = r.filter((x) => x.label.plan !== null && x.label.confidence >= th);
      return {
        min_confidence: th,
        coverage: kept.length / r.length,
        precision: kept.length === 0 ? null : kept.filter((x) => x.exact).length / kept.length,
        labels: kept.length,
      };
    }),
  }));
  return {
    date: new Date().toISOString(),
    models: models.map((m) => ({ file: m, sha256: sha(m) })),
    data: { questions: QUESTIONS, sha256: sha(QUESTIONS), n: data.test.length },
    load_average: { start: load[0]!, end: load[1]! },
    table,
  };
}

const result: Result = values.from === undefined ? await measure() : (JSON.parse(readFileSync(values.from, 'utf8')) as Result);
const { table } = result;
const load = [result.load_average.start, result.load_average.end];
mkdirSync(values.out, { recursive: true });
if (values.from === undefined) writeFileSync(join(values.out, 'teacher-confidence.json'), `${JSON.stringify(result, null, 2)}\n`);
const pct = (x: number | null): string => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
const md = [
  '# Model teacher: confidence against gold (issue #19)',
  '',
  `\`bench/teacher/confidence.ts\`: the ModelTeacher labels the disjoint sample of the planner corpus`,
  `(${result.data.n} questions of households the model never saw; sha256 ${result.data.sha256.slice(0, 16)}…) through the`,
  "device's privacy filter, as the service labels uploads. Coverage: share of questions kept as pseudo-labels at",
  'min_confidence; precision: share of those that are the gold task graph (samePlan, ignoring case). Same run, same machine',
  `(2 cores, load average ${load[0]!.toFixed(1)} → ${load[1]!.toFixed(1)}).`,
  '',
  ...result.models.map((m) => `- \`${m.file}\` (sha256 \`${m.sha256.slice(0, 16)}…\`)`),
  '',
  '| teacher | ms/question | ' + THRESHOLDS.map((th) => `≥ ${th}: coverage / precision`).join(' | ') + ' |',
  '|---|---|' + THRESHOLDS.map(() => '---').join('|') + '|',
  ...table.map(
    (t) =>
      `| ${t.teacher} | ${t.ms_per_question ?? '–'} | ${t.thresholds.map((x) => `${pct(x.coverage)} / ${pct(x.precision)}`).join(' | ')} |`,
  ),
  '',
  "The issue's target for pseudo-labels is a precision of at least 90% at the chosen min_confidence (default 0.6).",
  '',
  '![precision and coverage per min_confidence](teacher-confidence.svg)',
  '',
].join('\n');
const points = table.flatMap((t) =>
  t.thresholds.flatMap((x) => [
    { teacher: t.teacher, min_confidence: x.min_confidence, measure: 'precision', value: x.precision },
    { teacher: t.teacher, min_confidence: x.min_confidence, measure: 'coverage', value: x.coverage },
  ]),
);
const spec: TopLevelSpec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: `model teachers (${result.data.n} disjoint questions)`,
  width: 420,
  height: 240,
  data: { values: points.filter((p) => p.value !== null) },
  mark: { type: 'line', point: true },
  encoding: {
    x: { field: 'min_confidence', type: 'quantitative', title: 'min_confidence' },
    y: { field: 'value', type: 'quantitative', title: 'share', scale: { domain: [0, 1] } },
    color: { field: 'teacher', type: 'nominal' },
    strokeDash: { field: 'measure', type: 'nominal' },
  },
};
writeFileSync(join(values.out, 'teacher-confidence.svg'), await renderSvg(spec));
writeFileSync(join(values.out, 'teacher-confidence.md'), md);
process.stdout.write(md);
