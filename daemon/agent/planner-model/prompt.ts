import { zonedParts } from '../../system/index.js';
import { isLivePhrase, type Delexicalised, type Mention } from '../../grounding/index.js';
import type { TaskPlan } from '../catalog/index.js';
import { formatPlanText } from './plan-text.js';

/**
 * The planner model's prompt: no catalog text and no few-shots (the model
 * learnt the tools; the grammar enforces them), only what changes per
 * request, one short line each:
 *
 *     now 2026-03-10 21:30 tue Europe/Berlin
 *     prev did <person-1> come home <time-1>
 *     prevplan resolve_time phrase=<time-1> ; query_events start=#0 end=#0 identity=<person-1> ; …
 *     m <person-1> <camera-1> <time-1> <group-1>=unknown
 *     q when did <person-1> come in through <camera-1> <time-1>?
 *
 * `m` lists the placeholders in order with what the plan needs to know about
 * them: a person mention with several candidates (`=2`), what a group means
 * (`=everyone|anyone|unknown`, or `=members:<person-2>,<person-3>` with a
 * placeholder per member), how many cameras a room has (`=3cam`),
 * a routine (`=routine`), this moment (`=now`: "right now", "rn" — live frames, not stored events) or a time
 * the resolver did not understand (`=?`).
 * The model writes plan text after the last newline.
 */

export interface ModelPromptInput {
  /** The question, delexicalised (detectMentions). */
  question: Delexicalised;
  /** ISO instant "now" and the household timezone. */
  now: string;
  timezone: string;
  /** The previous turn of this conversation: its delexicalised question and plan (same placeholder numbering: detect with continueFrom). */
  previous?: { question: string; plan?: Pick<TaskPlan, 'task_nodes'> };
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** A line of user text: no newlines (they would pose as prompt structure), trimmed, bounded. */
function oneLine(s: string, max = 400): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max) : t;
}

/** What the plan needs to know about a mention beyond its kind. */
function mentionNote(m: Mention): string {
  const r = m.resolved;
  if (r === undefined) return '=?';
  switch (r.kind) {
    case 'person':
      return r.people.length > 1 ? `=${r.people.length}` : '';
    case 'group':
      return r.members !== undefined && r.members.length > 0 ? `=${r.meaning}:${r.members.join(',')}` : `=${r.meaning}`;
    case 'room':
      return `=${r.cameras.length}cam`;
    case 'time':
      if (r.routine !== undefined) return '=routine';
      if (isLivePhrase(r.phrase)) return '=now';
      return r.start === undefined ? '=?' : '';
    default:
      return '';
  }
}

/** The placeholders of a request in order of first appearance, each once. */
export function placeholdersOf(mentions: readonly Mention[]): Mention[] {
  const seen = new Set<string>();
  const out: Mention[] = [];
  for (const m of mentions) {
    if (seen.has(m.placeholder)) continue;
    seen.add(m.placeholder);
    out.push(m);
  }
  return out;
}

export function buildModelPrompt(input: ModelPromptInput): string {
  const nowMs = Date.parse(input.now);
  const p = zonedParts(nowMs, input.timezone);
  const lines = [
    `now ${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)} ${WEEKDAYS[p.weekday]} ${input.timezone}`,
  ];
  if (input.previous !== undefined) {
    lines.push(`prev ${oneLine(input.previous.question)}`);
    if (input.previous.plan !== undefined) {
      const text = formatPlanText(input.previous.plan).trimEnd().split('\n').slice(0, -1).join(' ; ');
      lines.push(`prevplan ${oneLine(text, 600)}`);
    }
  }
  const ms = placeholdersOf(input.question.mentions);
  if (ms.length > 0) lines.push(`m ${ms.map((m) => `${m.placeholder}${mentionNote(m)}`).join(' ')}`);
  lines.push(`q ${oneLine(input.question.text)}`);
  return `${lines.join('\n')}\n`;
}
