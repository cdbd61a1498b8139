import { readFileSync } from 'node:fs';
import { catalogPrompt, extractJsonObject, taskPlanSchema, type TaskPlan } from '../daemon/agent/index.js';
import type { SampleContext } from '../daemon/contracts/index.js';
import { HomeSightError } from '../daemon/system/index.js';
import {
  planIssues,
  SELF_CONSISTENCY_DEFAULTS,
  singleLabel,
  voteOnPlans,
  type SelfConsistency,
  type TeacherLabel,
} from './teacher-vote.js';

/** What the teacher sees of a sample (already privacy-filtered on the device). */
export interface TeacherInput {
  household: string;
  question: string;
  /** The edge's plan (placeholders for names). */
  plan?: unknown;
  corrected_plan?: unknown;
  /** The household context the device planned with (people as placeholders); absent from older devices. */
  context?: SampleContext;
}

/**
 * The teacher labelling seam: its plan for a question with a confidence, or none (see TeacherLabel). Every plan it
 * returns has been validated against the catalog and grounded in the sample's household context.
 */
export interface TeacherPlanner {
  readonly name: string;
  plan(input: TeacherInput, signal?: AbortSignal): Promise<TeacherLabel>;
  /** Gets ready (loads a model), so that a teacher that cannot work fails the service's start. */
  load?(): Promise<void>;
  dispose?(): Promise<void>;
}

const PLACEHOLDER = /<person-[0-9a-f]{8}>/g;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * ORACLE / REPLAY teacher — for tests and the lifelong experiment only: it returns the GOLD plan of the matching
 * question from a dataset file (Q2A JSONL: instruction + task_nodes/task_links/task_steps). Questions arrive with
 * `<person-…>` placeholders; they are matched as wildcards, and the matched names are put back as the same
 * placeholders in the returned plan (so the teacher never needs the real names). It is an upper bound, not a model.
 */
export class OracleReplayTeacher implements TeacherPlanner {
  readonly name = 'oracle-replay';
  private readonly gold: Array<{ household: string | null; instruction: string; plan: TaskPlan }> = [];

  constructor(datasetFiles: string | string[]) {
    for (const f of Array.isArray(datasetFiles) ? datasetFiles : [datasetFiles]) {
      for (const line of readFileSync(f, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        const r = JSON.parse(line) as {
          household?: string;
          instruction: string;
          task_nodes: unknown;
          task_links?: unknown;
          task_steps?: unknown;
        };
        const p = taskPlanSchema.safeParse({ task_nodes: r.task_nodes, task_links: r.task_links ?? [], task_steps: r.task_steps ?? [] });
        if (p.success) this.gold.push({ household: r.household ?? null, instruction: r.instruction, plan: p.data });
      }
    }
    if (this.gold.length === 0) throw new HomeSightError('E_TEACHER_DATASET', `oracle teacher: no plans in ${String(datasetFiles)}`);
  }

  get size(): number {
    return this.gold.length;
  }

  async plan(input: TeacherInput): Promise<TeacherLabel> {
    const plan = this.goldPlan(input);
    return singleLabel(plan, plan === null ? ['no gold plan for this question'] : planIssues(plan, input.context));
  }

  private goldPlan(input: TeacherInput): TaskPlan | null {
    const holders = input.question.match(PLACEHOLDER) ?? [];
    const re = new RegExp(`^${input.question.split(PLACEHOLDER).map(escapeRe).join('(.+?)')}$`, 'i');
    for (const g of this.gold) {
      const m = re.exec(g.instruction);
      if (m === null) continue;
      let text = JSON.stringify(g.plan);
      holders.forEach((h, i) => {
        const name = m[i + 1]!;
        text = text.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(name)}(?![\\p{L}\\p{N}])`, 'giu'), h);
      });
      return taskPlanSchema.parse(JSON.parse(text));
    }
    return null;
  }
}

export interface OpenAiTeacherOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
  /** The tool catalog text put in the system prompt (default: the agent's catalog). */
  catalog?: string;
  /** k requests at temperature > 0, seeded (default 5 at 0.7, seeds 1…5). */
  voting?: Partial<SelfConsistency>;
  fetch?: typeof fetch;
}

/** The household context as prompt lines: what the plan may name, and when the question was asked. */
export function contextPrompt(ctx: SampleContext | undefined): string {
  if (ctx === undefined) return '';
  const h = ctx.household;
  const lines = [`Now: ${ctx.now} (${ctx.timezone}).`];
  if (h.people.length > 0) lines.push(`People (person/identity arguments): ${h.people.map((p) => p.name).join(', ')}, unknown.`);
  if (h.asker !== undefined) lines.push(`The person asking: ${h.asker}.`);
  for (const g of h.groups ?? []) lines.push(`Group "${[g.name, ...g.aliases].join('" / "')}": ${g.members.join(', ') || 'anyone'}.`);
  if (h.cameras.length > 0) {
    const cams = h.cameras.map((c) => {
      const room = h.cameraRooms?.[c];
      const zones = h.cameraZones?.[c] ?? [];
      return `${c}${room !== undefined && room !== null ? ` (room ${room})` : ''}${zones.length > 0 ? ` zones ${zones.join('/')}` : ''}`;
    });
    lines.push(`Cameras (camera arguments): ${cams.join('; ')}.`);
  }
  if (h.rooms.length > 0) {
    const rooms = h.rooms.map((r) => {
      const aka = h.roomAliases?.[r] ?? [];
      return aka.length > 0 ? `${r} (also "${aka.join('", "')}")` : r;
    });
    lines.push(`Rooms (room arguments): ${rooms.join('; ')}.`);
  }
  for (const r of h.routines ?? [])
    lines.push(`Routine "${[r.name, ...r.aliases].join('" / "')}": ${r.start}-${r.end} on ${r.days.join(',')}.`);
  if (ctx.previous !== undefined) {
    lines.push(`Previous question in this conversation: ${ctx.previous.question}`);
    if (ctx.previous.plan !== undefined) lines.push(`Its plan: ${JSON.stringify({ task_nodes: ctx.previous.plan.task_nodes })}`);
  }
  return `Household:\n${lines.join('\n')}\n`;
}

/**
 * A large model behind an OpenAI-compatible /v1/chat/completions endpoint (vLLM, llama.cpp server, Ollama, a hosted
 * API): the production teacher. It gets the catalog and the sample's household context, answers k times at
 * temperature > 0 with a seed per request (servers that ignore `seed` still vote, only not reproducibly), and its
 * answers are voted on like the model teacher's.
 */
export class OpenAiTeacher implements TeacherPlanner {
  readonly name: string;
  private readonly voting: SelfConsistency;
  constructor(private readonly o: OpenAiTeacherOptions) {
    this.name = `openai:${o.model}`;
    this.voting = { ...SELF_CONSISTENCY_DEFAULTS, ...o.voting };
  }

  async plan(input: TeacherInput, signal?: AbortSignal): Promise<TeacherLabel> {
    const v = this.voting;
    // the k requests go out at once (an endpoint batches them); the vote reads them in seed order
    const answers = await Promise.all(Array.from({ length: v.samples }, (_x, n) => this.draw(input, v.temperature, v.seed + n, signal)));
    return voteOnPlans(
      v.samples,
      async (n) => answers[n]!,
      (p) => planIssues(p, input.context),
      signal,
    );
  }

  private async draw(input: TeacherInput, temperature: number, seed: number, signal?: AbortSignal): Promise<TaskPlan | string> {
    const f = this.o.fetch ?? fetch;
    const timeout = AbortSignal.timeout(this.o.timeoutMs ?? 60_000);
    const res = await f(`${this.o.baseUrl.replace(/\/+$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.o.apiKey !== undefined ? { authorization: `Bearer ${this.o.apiKey}` } : {}) },
      body: JSON.stringify({
        model: this.o.model,
        temperature,
        seed,
        messages: [
          {
            role: 'system',
            content:
              `You plan tool calls for a home camera assistant. Answer with one JSON object {"task_steps": [...], ` +
              `"task_nodes": [{"task", "arguments"}], "task_links": [{"source","target"}]}. Keep <person-…> ` +
              `placeholders exactly as written; name only the people, cameras and rooms listed.\n` +
              `${contextPrompt(input.context)}Tools:\n${this.o.catalog ?? catalogPrompt({ compact: true })}`,
          },
          { role: 'user', content: input.question },
        ],
      }),
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    });
    if (!res.ok)
      throw new HomeSightError('E_TEACHER_HTTP', `teacher endpoint answered HTTP ${res.status}`, { context: { url: this.o.baseUrl } });
    const body = (await res.json()) as { choices?: Array<{ message?: { content?: string } }> };
    const text = body.choices?.[0]?.message?.content ?? '';
    let obj: unknown;
    try {
      obj = JSON.parse(extractJsonObject(text));
    } catch {
      return 'the answer holds no JSON object';
    }
    const p = taskPlanSchema.safeParse(obj);
    return p.success ? p.data : 'the answer is not a task plan';
  }
}
