/**
 * How far the model teacher's confidence can be trusted (issue #19, build item 1): the ModelTeacher labels the
 * disjoint sample of the planner corpus (households the shipped model never saw in training) the way the service
 * labels uploads — questions, gold plans and household context masked by the device's privacy filter — and each
 * label is compared with the gold plan (samePlan: the same task graph). Per min_confidence threshold: coverage (share
 * of questions that would become pseudo-labels) and precision (share of those equal to gold, ignoring case). The greedy plan
 * (one sample at temperature 0, what the device itself writes) is the row without voting.
 *
 *   node --import tsx bench/teacher/confidence.ts [--model FILE.gguf] [--limit N] [--out bench/results]
 *
 * Measuring only: nothing is tuned on this set.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { ModelTeacher, type TeacherLabel } from '../../cloud/index.js';
import { samePlan, type TaskPlan } from '../../daemon/agent/index.js';
import { planContextOf } from '../../daemon/contracts/index.js';
import { PrivacyFilter } from '../../daemon/learning/index.js';
import type { TopLevelSpec } from 'vega-lite';
import { loadDataset, renderSvg, requestFor } from '../harness/index.js';

/** Case does not make a plan another (the model writes a time phrase's words as the question has them, or lower). */
function lowerCased(plan: TaskPlan): TaskPlan {
  return JSON.parse(JSON.stringify(plan).toLowerCase()) as TaskPlan;
}

const QUESTIONS = 'var/datasets/planner-corpus/disjoint-q2a/questions.jsonl';
const HOUSEHOLDS = 'var/datasets/planner-corpus/disjoint-q2a/households.json';
const THRESHOLDS = [0, 0.4, 0.6, 0.8, 1];

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/planner/homesight-planner-2m-q8_0.gguf' },
    limit: { type: 'string', default: '300' },
    out: { type: 'string', default: 'bench/results' },
    /** Re-render the md and svg from a result json (no measuring). */
    from: { type: 'string' },
  },
});
interface Result {
  date: string;
  model: string;
  data: { questions: string; sha256: string; n: number };
  load_average: { start: number; end: number };
  table: Array<{
    teacher: string;
    ms_per_question: number;
    thresholds: Array<{ min_confidence: number; coverage: number; precision: number | null; labels: number }>;
  }>;
}

async function measure(): Promise<Result> {
  const data = loadDataset({ format: 'q2a', testUrl: QUESTIONS, householdUrl: HOUSEHOLDS, limit: Number(values.limit) });
  const teachers = {
    'voted (k=5, T=0.7, seed 1)': new ModelTeacher({ model: values.model, gpuLayers: 0, threads: 1 }),
    'greedy (k=1, T=0)': new ModelTeacher({ model: values.model, gpuLayers: 0, threads: 1, voting: { samples: 1, temperature: 0 } }),
  };
  const load = [loadavg()[0]!];
  const rows: Record<string, Array<{ id: string; confidence: number; exact: boolean; labelled: boolean }>> = {};
  const ms: Record<string, number> = {};
  for (const [name, teacher] of Object.entries(teachers)) {
    rows[name] = [];
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
      rows[name].push({
        id: s.id,
        confidence: label.confidence,
        labelled: label.plan !== null,
        exact: label.plan !== null && samePlan(lowerCased(label.plan), lowerCased(gold)),
      });
      if (++n % 25 === 0) process.stderr.write(`${name}: ${n}/${data.test.length}\n`);
    }
    ms[name] = (performance.now() - t0) / data.test.length;
    await teacher.dispose();
  }
  load.push(loadavg()[0]!);

  const table = Object.entries(rows).map(([name, r]) => ({
    teacher: name,
    ms_per_question: Math.round(ms[name]!),
    thresholds: THRESHOLDS.map((th) => {
      const kept = r.filter((x) => x.labelled && x.confidence >= th);
      return {
        min_confidence: th,
        coverage: kept.length / r.length,
        precision: kept.length === 0 ? null : kept.filter((x) => x.exact).length / kept.length,
        labels: kept.length,
      };
    }),
  }));
  const sha256 = createHash('sha256').update(readFileSync(QUESTIONS)).digest('hex');
  const result = {
    date: new Date().toISOString(),
    model: basename(values.model),
    data: { questions: QUESTIONS, sha256, n: data.test.length },
    load_average: { start: load[0]!, end: load[1]! },
    table,
  };
  return result;
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
  `\`bench/teacher/confidence.ts\`: the ModelTeacher (${result.model}) labels the disjoint sample of the planner corpus`,
  `(${result.data.n} questions of households the model never saw; sha256 ${result.data.sha256.slice(0, 16)}…) through the`,
  "device's privacy filter, as the service labels uploads. Coverage: share of questions kept as pseudo-labels at",
  'min_confidence; precision: share of those that are the gold task graph (samePlan, ignoring case). Same run, same machine',
  `(2 cores, load average ${load[0]!.toFixed(1)} → ${load[1]!.toFixed(1)}).`,
  '',
  '| teacher | ms/question | ' + THRESHOLDS.map((th) => `≥ ${th}: coverage / precision`).join(' | ') + ' |',
  '|---|---|' + THRESHOLDS.map(() => '---').join('|') + '|',
  ...table.map(
    (t) => `| ${t.teacher} | ${t.ms_per_question} | ${t.thresholds.map((x) => `${pct(x.coverage)} / ${pct(x.precision)}`).join(' | ')} |`,
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
  title: `${result.model} as teacher (${result.data.n} disjoint questions)`,
  width: 420,
  height: 240,
  data: { values: points.filter((p) => p.value !== null) },
  mark: { type: 'line', point: true },
  encoding: {
    x: { field: 'min_confidence', type: 'quantitative', title: 'min_confidence' },
    y: { field: 'value', type: 'quantitative', title: 'share', scale: { domain: [0, 1] } },
    color: { field: 'measure', type: 'nominal' },
    strokeDash: { field: 'teacher', type: 'nominal' },
  },
};
writeFileSync(join(values.out, 'teacher-confidence.svg'), await renderSvg(spec));
writeFileSync(join(values.out, 'teacher-confidence.md'), md);
process.stdout.write(md);
