import { readFileSync } from 'node:fs';
import { catalogPrompt, extractJsonObject, taskPlanSchema, type TaskPlan } from '../daemon/agent/index.js';
import { HomeSightError } from '../daemon/system/index.js';

/** What the teacher sees of a sample (already privacy-filtered on the device). */
export interface TeacherInput {
  household: string;
  question: string;
  /** The edge's plan (placeholders for names). */
  plan?: unknown;
  corrected_plan?: unknown;
}

/** The teacher labeling seam: a plan for a question, or null when it has none. */
export interface TeacherPlanner {
  readonly name: string;
  plan(input: TeacherInput, signal?: AbortSignal): Promise<TaskPlan | null>;
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

  async plan(input: TeacherInput): Promise<TaskPlan | null> {
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
  fetch?: typeof fetch;
}

/** A large model behind an OpenAI-compatible /v1/chat/completions endpoint. */
export class OpenAiTeacher implements TeacherPlanner {
  readonly name: string;
  constructor(private readonly o: OpenAiTeacherOptions) {
    this.name = `openai:${o.model}`;
  }

  async plan(input: TeacherInput, signal?: AbortSignal): Promise<TaskPlan | null> {
    const f = this.o.fetch ?? fetch;
    const timeout = AbortSignal.timeout(this.o.timeoutMs ?? 60_000);
    const res = await f(`${this.o.baseUrl.replace(/\/+$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.o.apiKey !== undefined ? { authorization: `Bearer ${this.o.apiKey}` } : {}) },
      body: JSON.stringify({
        model: this.o.model,
        temperature: 0,
        messages: [
          {
            role: 'system',
            content:
              `You plan tool calls for a home camera assistant. Answer with one JSON object {"task_steps": [...], ` +
              `"task_nodes": [{"task", "arguments"}], "task_links": [{"source","target"}]}. Keep <person-…> ` +
              `placeholders exactly as written.\nTools:\n${this.o.catalog ?? catalogPrompt({ compact: true })}`,
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
      return null;
    }
    const p = taskPlanSchema.safeParse(obj);
    return p.success ? p.data : null;
  }
}
