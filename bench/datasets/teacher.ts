/**
 * Paraphrases from a teacher LLM behind an OpenAI-compatible endpoint
 * (POST {url}/chat/completions). For a deterministic subset of template asks
 * the teacher writes new wordings, each with its own plan; a plan is kept only
 * when it validates against the catalog (validatePlan with the household's
 * names) and uses the same tools as the template's gold plan (so the label
 * stays right). Kept paraphrases join the split of the ask they came from, so
 * a paraphrase never leaks an ask across splits.
 *
 * A `Planner` (daemon/agent's seam, e.g. the cloud planner) can supply the
 * plans instead of the chat endpoint; the endpoint then only paraphrases.
 */
import { catalogPrompt, validatePlan, taskPlanSchema, type Planner, type TaskPlan } from '../../daemon/agent/index.js';
import type { Rng } from './prng.js';
import { householdAt, planContext, type Household } from './households.js';
import { validationContext, type Generated, type Sample, type SampleMeta } from './generate.js';
import { planType, PlanBuilder, type GoldPlan } from './planbuilder.js';
import type { TeacherStats } from './stats.js';
import { isRefusal, refusalIssuesTolerated } from './refusal.js';

export interface TeacherOptions {
  /** Base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8080/v1 */
  url: string;
  model?: string;
  apiKey?: string;
  /** How many asks to paraphrase (default 60). */
  maxAsks?: number;
  /** Paraphrases requested per ask (default 2). */
  perAsk?: number;
  timeoutMs?: number;
  /** Parallel requests (default 4). Results are assembled in ask order either way. */
  concurrency?: number;
  /** Plans from this planner instead of the chat endpoint (the agent's cloud planner). */
  planner?: Planner;
  fetch?: typeof fetch;
}

export interface TeacherResult {
  samples: Sample[];
  meta: SampleMeta[];
  stats: TeacherStats;
}

export function emptyTeacherStats(endpoint: string | null = null): TeacherStats {
  return { endpoint, requested: 0, returned: 0, kept: 0, rejected_invalid: 0, rejected_disagree: 0, rejected_duplicate: 0 };
}

interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

async function chat(o: TeacherOptions, messages: ChatMessage[]): Promise<string> {
  const f = o.fetch ?? fetch;
  const url = `${o.url.replace(/\/+$/, '')}/chat/completions`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (o.apiKey !== undefined) headers.authorization = `Bearer ${o.apiKey}`;
  const res = await f(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ model: o.model ?? 'teacher', messages, temperature: 0.7, response_format: { type: 'json_object' } }),
    signal: AbortSignal.timeout(o.timeoutMs ?? 60_000),
  });
  if (!res.ok) throw new Error(`teacher ${url} answered HTTP ${res.status}`);
  const body = (await res.json()) as { choices?: Array<{ message?: { content?: unknown } }> };
  const content = body.choices?.[0]?.message?.content;
  if (typeof content !== 'string') throw new Error(`teacher ${url} answered without choices[0].message.content`);
  return content;
}

/** The JSON object in a reply (tolerates code fences and prose around it). */
export function extractJson(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  const body = fenced !== null ? (fenced[1] as string) : text;
  const a = body.indexOf('{');
  const b = body.lastIndexOf('}');
  if (a < 0 || b < a) throw new Error('no JSON object in the reply');
  return JSON.parse(body.slice(a, b + 1));
}

function householdLine(h: Household): string {
  const c = planContext(h);
  return [
    `timezone ${h.timezone}`,
    `people ${c.people.map((p) => (p.aliases.length > 0 ? `${p.name} (${p.aliases.join(', ')})` : p.name)).join('; ')}`,
    `rooms ${c.rooms.join(', ')}`,
    `cameras ${h.cameras.map((x) => `${x.name} (${x.room})`).join(', ')}`,
    `hub topics ${h.hub_topics.join(', ') || 'none'}`,
  ].join('; ');
}

function prompt(s: Sample, h: Household, n: number, withPlans: boolean): ChatMessage[] {
  const system = [
    'You write training data for HomeSight, a home camera assistant that answers questions by running a plan of tools.',
    `Rewrite the user's request in ${n} different natural ways (other words, word order, register), ` +
      `keeping exactly the same meaning, people, places and times.`,
    withPlans
      ? 'For each rewrite also write the plan that answers it, as {"task_steps": [...], "task_nodes": ' +
        '[{"task": tool, "arguments": {...}}], "task_links": [{"source": tool, "target": tool}]}; ' +
        '"<node-j>" passes the output of node j; use only these tools:\n' +
        catalogPrompt({ compact: false })
      : '',
    withPlans
      ? 'Reply with JSON only: {"paraphrases": [{"instruction": "...", "plan": {...}}]}'
      : 'Reply with JSON only: {"paraphrases": [{"instruction": "..."}]}',
  ]
    .filter((x) => x !== '')
    .join('\n');
  const user = [
    `Home: ${householdLine(h)}; now ${s.context.now}.`,
    `Request: ${JSON.stringify(s.instruction)}`,
    withPlans ? `A correct plan for it: ${JSON.stringify({ task_nodes: s.task_nodes })}` : '',
  ]
    .filter((x) => x !== '')
    .join('\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

function toolMultiset(plan: { task_nodes: Array<{ task: string }> }): string {
  return plan.task_nodes
    .map((n) => n.task)
    .sort()
    .join(',');
}

/** Rebuilds a kept plan the way gold plans are written (links from references, answer question = the instruction). */
function normalisePlan(plan: TaskPlan, instruction: string, refusal: boolean): GoldPlan {
  if (refusal) {
    return {
      task_steps: plan.task_steps,
      task_nodes: [{ task: 'compose_answer', arguments: { question: instruction, inputs: [] } }],
      task_links: [],
    };
  }
  const b = new PlanBuilder();
  plan.task_nodes.forEach((n, i) => {
    const args = Array.isArray(n.arguments) ? {} : { ...n.arguments };
    if (n.task === 'compose_answer') args.question = instruction;
    const step = (plan.task_steps[i] ?? '').replace(/^Step \d+:\s*/, '') || n.task;
    b.add(n.task as GoldPlan['task_nodes'][number]['task'], args, step);
  });
  return b.build();
}

function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9äöüß' ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Asks the teacher for paraphrases of a deterministic subset of `gen`'s
 * first-turn asks and returns the kept ones as new samples (ids `<ask>-t<k>`).
 */
export async function teacherParaphrases(
  gen: Generated,
  o: TeacherOptions,
  rng: Rng,
  onProgress?: (done: number, total: number) => void,
): Promise<TeacherResult> {
  const stats = emptyTeacherStats(o.url);
  const metaById = new Map(gen.meta.map((m) => [m.id, m]));
  const candidates = gen.samples.filter((s) => s.context.history === undefined && metaById.get(s.id)?.category !== 'followup');
  const chosen = rng.sample(candidates, o.maxAsks ?? 60).sort((a, b) => (a.id < b.id ? -1 : 1));
  const perAsk = o.perAsk ?? 2;
  const seen = new Map<string, Set<string>>();
  for (const s of gen.samples) {
    let set = seen.get(s.household);
    if (set === undefined) seen.set(s.household, (set = new Set()));
    set.add(normalise(s.instruction));
  }
  const byId = new Map(gen.households.map((h) => [h.id, h]));

  type Reply = { source: Sample; items: Array<{ instruction: string; plan: unknown }> } | { source: Sample; error: string };
  const replies: Reply[] = new Array(chosen.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < chosen.length) {
      const i = next++;
      const s = chosen[i]!;
      const h = householdAt(byId.get(s.household)!, s.round);
      try {
        const text = await chat(o, prompt(s, h, perAsk, o.planner === undefined));
        const parsed = extractJson(text) as { paraphrases?: Array<{ instruction?: unknown; plan?: unknown }> };
        const items: Array<{ instruction: string; plan: unknown }> = [];
        for (const p of parsed.paraphrases ?? []) {
          if (typeof p.instruction !== 'string' || p.instruction.trim() === '') continue;
          let plan = p.plan;
          if (o.planner !== undefined) {
            const r = await o.planner.plan({
              question: p.instruction,
              now: s.context.now,
              timezone: s.context.timezone,
              household: planContext(h),
              allowTools: validationContext(h)?.allowTools as string[],
              hubTopics: h.hub_topics,
            });
            plan = r.plan;
          }
          items.push({ instruction: p.instruction.trim(), plan });
        }
        replies[i] = { source: s, items };
      } catch (err) {
        replies[i] = { source: s, error: err instanceof Error ? err.message : String(err) };
      }
      done++;
      onProgress?.(done, chosen.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency ?? 4, chosen.length)) }, () => worker()));

  const samples: Sample[] = [];
  const meta: SampleMeta[] = [];
  for (const r of replies) {
    stats.requested++;
    if ('error' in r) continue;
    const s = r.source;
    const h = householdAt(byId.get(s.household)!, s.round);
    const vctx = validationContext(h);
    const seenHere = seen.get(s.household)!;
    let k = 0;
    for (const item of r.items) {
      stats.returned++;
      const parsed = taskPlanSchema.safeParse(item.plan);
      const refusal = isRefusal(s);
      const valid = (plan: TaskPlan | GoldPlan): boolean => {
        const issues = validatePlan(plan, vctx);
        return isRefusal(plan) ? refusalIssuesTolerated(issues) : issues.length === 0;
      };
      if (!parsed.success || !valid(parsed.data)) {
        stats.rejected_invalid++;
        continue;
      }
      if (toolMultiset(parsed.data) !== toolMultiset(s) || isRefusal(parsed.data) !== refusal) {
        stats.rejected_disagree++;
        continue;
      }
      const key = normalise(item.instruction);
      if (seenHere.has(key)) {
        stats.rejected_duplicate++;
        continue;
      }
      const plan = normalisePlan(parsed.data, item.instruction, refusal);
      if (!valid(plan)) {
        stats.rejected_invalid++;
        continue;
      }
      seenHere.add(key);
      k++;
      const id = `${s.id}-t${k}`;
      samples.push({
        ...s,
        id,
        type: planType(plan),
        n_tools: plan.task_nodes.length,
        instruction: item.instruction,
        task_steps: plan.task_steps,
        task_nodes: plan.task_nodes,
        task_links: plan.task_links,
        context: { ...s.context },
      });
      const m = metaById.get(s.id)!;
      meta.push({ ...m, id, source: 'teacher' });
      stats.kept++;
    }
  }
  return { samples, meta, stats };
}
