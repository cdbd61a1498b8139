/**
 * A sample of the planner corpus's template- and household-disjoint split as
 * a Q2A test set, so the bench harness scores every planner on it the way it
 * scores the natural set (`bench/jobs/planner.yaml`):
 *
 *   node --import tsx bench/jobs/planner/disjoint-sample.ts [--corpus var/datasets/planner-corpus] [--size 300]
 *     [--templates-held-out-in <earlier corpus>]… [--out DIR (default <corpus>/disjoint-q2a)]
 *
 * With --templates-held-out-in (a model trained in stages: its earlier corpora), only lines whose templates every
 * corpus held out are kept: the earlier stage trained on the rest.
 * writes <corpus>/disjoint-q2a/{questions.jsonl, households.json}. Lines are
 * taken evenly spaced (deterministic); follow-ups are left out (their earlier
 * turn is not a sample of its own), and so are lines whose question as asked
 * cannot be read back (a delexicalised prompt without compose_answer). The
 * question is the raw prompt's `q` line or compose_answer's question; "now"
 * and the timezone come from the prompt's first line.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatIsoInZone, zonedToUtc } from '../../../daemon/system/index.js';
import { routinesAsConfig, type Routine } from '../../datasets/index.js';

interface CorpusLine {
  id: string;
  prompt: string;
  delex: boolean;
  household: string;
  template: string;
  intent: string;
  plan: { task_steps?: string[]; task_nodes: Array<{ task: string; arguments: Record<string, unknown> }>; task_links: unknown[] };
}

interface CorpusHousehold {
  id: string;
  name: string;
  timezone: string;
  speaker: string;
  people: Array<{ id: string; name: string; relation: string; aliases: Array<{ text: string }> }>;
  groups: Array<{ phrase: string; members: string[] }>;
  rooms: Array<{ name: string; aliases: Array<{ text: string }> }>;
  cameras: Array<{ name: string; room: string | null }>;
  routines: Routine[];
}

/** The household in the daemon config's shape (what the harness reads from households.json). */
function asConfig(h: CorpusHousehold): Record<string, unknown> {
  const nameOf = new Map(h.people.map((p) => [p.id, p.name]));
  return {
    id: h.id,
    name: h.name,
    timezone: h.timezone,
    asker: nameOf.get(h.speaker) ?? h.speaker,
    people: h.people.map((p) => ({ name: p.name, aliases: p.aliases.map((a) => a.text), relation: p.relation })),
    groups: h.groups.map((g) => ({ name: g.phrase, aliases: [], members: g.members.map((m) => nameOf.get(m) ?? m) })),
    rooms: h.rooms.map((r) => ({ name: r.name, aliases: r.aliases.map((a) => a.text) })),
    cameras: h.cameras.map((c) => ({ id: c.name, room: c.room })),
    routines: routinesAsConfig(
      h.routines.filter((r) => r.phrases.length > 0),
      (id) => nameOf.get(id) ?? id,
    ),
  };
}

/** "now 2025-07-21 22:18 mon Pacific/Honolulu" → ISO instant and timezone. */
function nowOf(prompt: string): { now: string; timezone: string } | null {
  const m = /^now (\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}) [a-z]{3} (\S+)$/.exec(prompt.split('\n')[0] ?? '');
  if (m === null) return null;
  const timezone = m[6]!;
  const ms = zonedToUtc({ year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +m[4]!, minute: +m[5]! }, timezone);
  return { now: formatIsoInZone(ms, timezone, { zulu: false }), timezone };
}

function questionOf(l: CorpusLine): string | null {
  const answer = l.plan.task_nodes.find((n) => n.task === 'compose_answer')?.arguments.question;
  if (typeof answer === 'string') return answer;
  if (l.delex) return null;
  const q = l.prompt.split('\n').find((x) => x.startsWith('q '));
  return q === undefined ? null : q.slice(2);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string' },
      size: { type: 'string' },
      'templates-held-out-in': { type: 'string', multiple: true },
      out: { type: 'string' },
    },
  });
  const corpus = resolve(values.corpus ?? 'var/datasets/planner-corpus');
  const size = Number(values.size ?? 300);
  // A model trained in stages on several corpora saw every template some stage did not hold out: only lines whose
  // templates every stage held out are phrased in a way it never saw.
  const heldOut = [corpus, ...(values['templates-held-out-in'] ?? []).map((d) => resolve(d))].map(
    (d) => new Set((JSON.parse(readFileSync(join(d, 'stats.json'), 'utf8')) as { held_out_templates: string[] }).held_out_templates),
  );
  const unseen = (template: string): boolean => template.split('+').every((t) => heldOut.every((h) => h.has(t)));
  const staged = heldOut.length > 1;
  const lines = readFileSync(join(corpus, 'disjoint.jsonl'), 'utf8')
    .split('\n')
    .filter((x) => x.trim() !== '')
    .map((x) => JSON.parse(x) as CorpusLine)
    .filter((l) => !/-f\d+$/.test(l.id))
    .filter((l) => !staged || unseen(l.template));
  const usable = lines.flatMap((l) => {
    const q = questionOf(l);
    const n = nowOf(l.prompt);
    return q === null || n === null ? [] : [{ l, q, ...n }];
  });
  const step = Math.max(1, usable.length / size);
  const picked = Array.from({ length: Math.min(size, usable.length) }, (_, i) => usable[Math.floor(i * step)]!);
  const out = resolve(values.out ?? join(corpus, 'disjoint-q2a'));
  mkdirSync(out, { recursive: true });
  const q2a = picked.map(({ l, q, now, timezone }) =>
    JSON.stringify({
      id: l.id,
      household: l.household,
      split: 'test',
      type: l.plan.task_nodes.length === 1 ? 'single' : 'chain',
      n_tools: l.plan.task_nodes.length,
      instruction: q,
      task_steps: l.plan.task_steps ?? [],
      task_nodes: l.plan.task_nodes,
      task_links: l.plan.task_links,
      context: { now, timezone },
    }),
  );
  writeFileSync(join(out, 'questions.jsonl'), `${q2a.join('\n')}\n`);
  const used = new Set(picked.map((p) => p.l.household));
  const households = (
    JSON.parse(readFileSync(join(corpus, 'households.json'), 'utf8')) as { households: Array<{ household: CorpusHousehold }> }
  ).households
    .map((e) => e.household)
    .filter((h) => used.has(h.id))
    .map(asConfig);
  writeFileSync(join(out, 'households.json'), `${JSON.stringify({ households }, null, 1)}\n`);
  const which = staged ? ', templates held out in every corpus' : '';
  process.stdout.write(
    `${picked.length} of ${usable.length} usable disjoint lines (${lines.length} without follow-ups${which}) → ${out}\n`,
  );
}

main();
