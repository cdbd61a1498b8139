/**
 * Builds the planner corpus: generated households, conversations drawn per
 * household in sweeps until `size` samples, exact de-duplication (normalised
 * text with its conversation history) across all splits, and the splits:
 *   train / val / test   random, by whole conversation
 *   disjoint             every conversation that uses a held-out phrasing
 *                        template or happens in a held-out household (none of
 *                        those templates or households is in train/val/test)
 * Each line is rendered (prompt, target) by a SampleRenderer: the model's text
 * formats live with the planner model, not here. Files are written under a
 * temporary name and renamed, so a failed build leaves no half corpus.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type GoldPlan, type Household, Rng, type Style } from '../datasets/index.js';
import { type Conversation, ConversationDrawer, DEFAULT_RATES, type DrawRates } from './generate.js';
import { type CorpusHousehold, HouseholdGenerator } from './households.js';
import { allTemplates, templateFamily } from './phrasings.js';

export type CorpusSplit = 'train' | 'val' | 'test' | 'disjoint';
export const CORPUS_SPLITS: readonly CorpusSplit[] = ['train', 'val', 'test', 'disjoint'];

/** What the daemon has at plan time for one turn, and the gold plan. */
export interface TurnInput {
  household: Household;
  now: string;
  timezone: string;
  question: string;
  /** The conversation's earlier turns, oldest first (empty for a first question). */
  history: Array<{ question: string; answer: string; plan: GoldPlan }>;
  plan: GoldPlan;
}

/**
 * Writes the model's prompt and target for a turn; `delex` false keeps the
 * question's names as typed. `faithful` false: the target does not map back
 * to the gold plan (a mention read wrongly), so the sample must not be used.
 */
export interface SampleRenderer {
  render(turn: TurnInput, delex: boolean): { prompt: string; target: string; faithful: boolean };
}

/** One line of a corpus file (the contract with cloud/trainer). */
export interface CorpusSample {
  id: string;
  prompt: string;
  target: string;
  delex: boolean;
  household: string;
  template: string;
  intent: string;
  plan: GoldPlan;
}

export interface CorpusOptions {
  seed: number;
  /** Samples (turns) to write, all splits together. */
  size: number;
  /** Generated households (default 400). */
  households?: number;
  /** Households held out whole for the disjoint split (default 2 % of them, at least 1). */
  heldOutHouseholds?: number;
  /** Share of each template family held out for the disjoint split (default 0.05; at least one in families of 4+). */
  heldOutTemplateShare?: number;
  /** Templates held out besides the seed's choice (those earlier corpora held out, for a model trained in stages). */
  heldOutTemplates?: readonly string[];
  /**
   * Chance that a sample stays raw, not delexicalised (default 0.35), among
   * those whose plan names can be copied from the question (`copyable`).
   */
  rawShare?: number;
  /**
   * Share of the conversations that use a held-out template or household kept for the disjoint split (default 0.35; the rest are dropped).
   */
  disjointKeep?: number;
  /** Shares of the random splits among non-held-out conversations (default val 0.025, test 0.025). */
  splitShares?: { val: number; test: number };
  rates?: DrawRates;
  renderer: SampleRenderer;
  out: string;
  onProgress?: (done: number, total: number) => void;
}

export interface FileStat {
  file: string;
  lines: number;
  bytes: number;
  sha256: string;
}

export interface CorpusStats {
  seed: number;
  size: number;
  households: number;
  held_out_households: string[];
  held_out_templates: string[];
  templates: number;
  template_families: number;
  per_split: Record<string, number>;
  per_intent: Record<string, number>;
  per_family: Record<string, number>;
  per_category: Record<string, number>;
  per_style: Record<string, number>;
  per_name_locale: Record<string, number>;
  per_timezone_dst: Record<string, number>;
  tags: Record<string, number>;
  delexicalised: number;
  raw: number;
  conversations: number;
  multi_turn_conversations: number;
  duplicates_skipped: number;
  /** Turns left out because their delexicalised target does not map back to the gold plan (and they could not stay raw). */
  unfaithful_skipped: number;
  /** Held-out conversations drawn and not kept (see disjointKeep). */
  held_out_dropped: number;
  /** Distinct lower-case words in the instructions. */
  vocabulary_size: number;
  /** Distinct words of the prompts and targets as written (after delexicalisation). */
  prompt_target_vocabulary_size: number;
  distinct_people_names: number;
  distinct_camera_ids: number;
  files: FileStat[];
  examples: Record<string, string[]>;
}

class SplitWriter {
  private readonly fd: number;
  private buffer: string[] = [];
  private size = 0;
  private readonly hash = createHash('sha256');
  lines = 0;
  bytes = 0;

  constructor(
    readonly file: string,
    private readonly tmp: string,
  ) {
    this.fd = openSync(tmp, 'w');
  }

  write(line: string): void {
    const s = `${line}\n`;
    this.buffer.push(s);
    this.size += s.length;
    this.lines++;
    if (this.size > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const chunk = Buffer.from(this.buffer.join(''), 'utf8');
    this.hash.update(chunk);
    writeSync(this.fd, chunk);
    this.bytes += chunk.length;
    this.buffer = [];
    this.size = 0;
  }

  /** Closes and removes the temporary file (a failed build leaves nothing behind). */
  abort(): void {
    closeSync(this.fd);
    rmSync(this.tmp, { force: true });
  }

  close(): FileStat {
    this.flush();
    closeSync(this.fd);
    renameSync(this.tmp, this.file);
    return { file: this.file.split('/').pop() as string, lines: this.lines, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
}

/** One JSON line with the contract's key order (bytes are part of the determinism contract). */
export function corpusLine(s: CorpusSample): string {
  return JSON.stringify({
    id: s.id,
    prompt: s.prompt,
    target: s.target,
    delex: s.delex,
    household: s.household,
    template: s.template,
    intent: s.intent,
    plan: s.plan,
  });
}

const ENTITY_ARGS = new Set(['person', 'identity', 'camera', 'room']);

/** Whether every person, camera and room value of the plan is written in the conversation's text (case-insensitive). */
export function copyable(turn: TurnInput): boolean {
  const text = [...turn.history.map((h) => h.question), turn.question].join(' ').toLowerCase();
  return turn.plan.task_nodes.every((n) =>
    Object.entries(n.arguments).every(([k, v]) => !ENTITY_ARGS.has(k) || typeof v !== 'string' || text.includes(v.toLowerCase())),
  );
}

const inc = (m: Record<string, number>, k: string, n = 1): void => {
  m[k] = (m[k] ?? 0) + n;
};
const sorted = (m: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Which templates and households the disjoint split holds out (deterministic per seed). */
export function chooseHeldOut(
  seed: number,
  households: readonly CorpusHousehold[],
  heldOutHouseholds: number,
  templateShare: number,
): { households: Set<string>; templates: Set<string> } {
  const rng = new Rng(seed).fork('corpus-held-out');
  const hh = new Set(
    rng.sample(
      households.map((h) => h.household.id),
      heldOutHouseholds,
    ),
  );
  const templates = new Set<string>();
  for (const [, ids] of allTemplates()) {
    if (ids.length < 4) continue;
    const k = Math.max(1, Math.round(ids.length * templateShare));
    for (const id of rng.sample(ids, k)) templates.add(id);
  }
  return { households: hh, templates };
}

/** Builds the corpus into `out`: train/val/test/disjoint.jsonl, households.json, stats.json. */
export function buildCorpus(options: CorpusOptions): CorpusStats {
  const seed = options.seed >>> 0;
  const nHouseholds = options.households ?? 400;
  if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError(`size must be a positive integer (got ${options.size})`);
  if (!Number.isInteger(nHouseholds) || nHouseholds < 2) throw new RangeError(`households must be an integer ≥ 2 (got ${nHouseholds})`);
  const generator = new HouseholdGenerator(seed);
  const households = Array.from({ length: nHouseholds }, (_, i) => generator.household(i));
  const heldOut = chooseHeldOut(
    seed,
    households,
    options.heldOutHouseholds ?? Math.max(1, Math.round(nHouseholds * 0.02)),
    options.heldOutTemplateShare ?? 0.05,
  );
  for (const id of options.heldOutTemplates ?? []) heldOut.templates.add(id);
  const shares = options.splitShares ?? { val: 0.025, test: 0.025 };
  const rawShare = options.rawShare ?? 0.35;
  const disjointKeep = options.disjointKeep ?? 0.35;
  const splitRng = new Rng(seed).fork('corpus-splits');
  const delexRng = new Rng(seed).fork('corpus-delex');
  const exampleRng = new Rng(seed).fork('corpus-examples');

  mkdirSync(options.out, { recursive: true });
  const writers = Object.fromEntries(
    CORPUS_SPLITS.map((s) => [s, new SplitWriter(join(options.out, `${s}.jsonl`), join(options.out, `${s}.jsonl.tmp`))]),
  ) as Record<CorpusSplit, SplitWriter>;

  const drawers = households.map((h) => new ConversationDrawer(h.household, seed, options.rates ?? DEFAULT_RATES));
  const seen = new Set<string>();
  const stats: CorpusStats = {
    seed,
    size: 0,
    households: nHouseholds,
    held_out_households: [...heldOut.households].sort(),
    held_out_templates: [...heldOut.templates].sort(),
    templates: [...allTemplates().values()].reduce((n, ids) => n + ids.length, 0),
    template_families: allTemplates().size,
    per_split: {},
    per_intent: {},
    per_family: {},
    per_category: {},
    per_style: {},
    per_name_locale: {},
    per_timezone_dst: {},
    tags: {},
    delexicalised: 0,
    raw: 0,
    conversations: 0,
    multi_turn_conversations: 0,
    duplicates_skipped: 0,
    held_out_dropped: 0,
    unfaithful_skipped: 0,
    vocabulary_size: 0,
    prompt_target_vocabulary_size: 0,
    distinct_people_names: new Set(households.flatMap((h) => h.household.people.map((p) => p.name))).size,
    distinct_camera_ids: new Set(households.flatMap((h) => h.household.cameras.map((c) => c.name))).size,
    files: [],
    examples: {},
  };
  const words = new Set<string>();
  const ptWords = new Set<string>();
  let written = 0;
  let stalled = 0;
  try {
    while (written < options.size) {
      const before = written;
      for (let hi = 0; hi < households.length && written < options.size; hi++) {
        const ch = households[hi] as CorpusHousehold;
        const drawer = drawers[hi] as ConversationDrawer;
        let conv: Conversation | null = null;
        for (let attempt = 0; attempt < 20 && conv === null; attempt++) {
          const c = drawer.draw();
          if (c === null) continue;
          if (c.keys.some((k) => seen.has(k))) {
            stats.duplicates_skipped++;
            continue;
          }
          conv = c;
        }
        if (conv === null) continue;
        for (const k of conv.keys) seen.add(k);
        const held = heldOut.households.has(ch.household.id) || conv.turns.some((t) => t.templates.some((id) => heldOut.templates.has(id)));
        // Only a share of the held-out conversations is kept, so the disjoint split stays a test set, not a tenth of the corpus.
        if (held && !splitRng.chance(disjointKeep)) {
          stats.held_out_dropped++;
          continue;
        }
        const convId = `${ch.household.id}-c${String(stats.conversations).padStart(6, '0')}`;
        drawer.check(conv, convId);
        stats.conversations++;
        if (conv.turns.length > 1) stats.multi_turn_conversations++;
        const r = splitRng.next();
        const split: CorpusSplit = held ? 'disjoint' : r < shares.test ? 'test' : r < shares.test + shares.val ? 'val' : 'train';
        conv.turns.forEach((turn, ti) => {
          if (written >= options.size) return;
          const d = turn.draft;
          const history = conv.turns
            .slice(0, ti)
            .map((x) => ({ question: x.draft.instruction, answer: x.draft.answer, plan: x.draft.plan }));
          const input: TurnInput = {
            household: ch.household,
            now: conv.now,
            timezone: ch.household.timezone,
            question: d.instruction,
            plan: d.plan,
            history,
          };
          // Raw only where the plan's names can be copied from the conversation's words; else the model would learn to invent them.
          const canCopy = copyable(input);
          let delex = !(delexRng.chance(rawShare) && canCopy);
          let rendered = options.renderer.render(input, delex);
          if (!rendered.faithful && delex && canCopy) {
            delex = false;
            rendered = options.renderer.render(input, delex);
          }
          if (!rendered.faithful) {
            stats.unfaithful_skipped++;
            return;
          }
          const { prompt, target } = rendered;
          const sample: CorpusSample = {
            id: ti === 0 ? convId : `${convId}-f${ti}`,
            prompt,
            target,
            delex,
            household: ch.household.id,
            template: d.template,
            intent: d.intent,
            plan: d.plan,
          };
          writers[split].write(corpusLine(sample));
          written++;
          inc(stats.per_split, split);
          inc(stats.per_intent, d.intent);
          for (const t of turn.templates) inc(stats.per_family, templateFamily(t));
          inc(stats.per_category, d.category);
          inc(stats.per_style, turn.style satisfies Style);
          inc(stats.per_name_locale, ch.nameLocale);
          inc(stats.per_timezone_dst, ch.dst ? 'dst' : 'no_dst');
          for (const tag of d.tags) if (/^(refusal|followup|ref|time):/.test(tag) || tag === 'multi_part') inc(stats.tags, tag);
          if (turn.typos > 0) inc(stats.tags, 'typos');
          if (delex) stats.delexicalised++;
          else stats.raw++;
          for (const w of d.instruction.toLowerCase().split(/[^\p{L}\p{N}'-]+/u)) if (w !== '') words.add(w);
          for (const w of `${prompt} ${target}`.split(/\s+/)) if (w !== '') ptWords.add(w);
          const ex = (stats.examples[split] ??= []);
          if (ex.length < 3 && exampleRng.chance(0.01)) ex.push(corpusLine(sample));
        });
        options.onProgress?.(written, options.size);
      }
      if (written === before && ++stalled >= 3)
        throw new Error(
          `corpus stalled at ${written} of ${options.size} samples: ` +
            `every household draws only duplicates (use more households or a smaller size)`,
        );
    }
  } catch (e) {
    for (const w of Object.values(writers)) w.abort();
    throw e;
  }
  stats.size = written;
  stats.vocabulary_size = words.size;
  stats.prompt_target_vocabulary_size = ptWords.size;
  stats.files = CORPUS_SPLITS.map((s) => writers[s].close());
  stats.per_split = sorted(stats.per_split);
  stats.per_intent = sorted(stats.per_intent);
  stats.per_family = sorted(stats.per_family);
  stats.per_category = sorted(stats.per_category);
  stats.per_style = sorted(stats.per_style);
  stats.per_name_locale = sorted(stats.per_name_locale);
  stats.tags = sorted(stats.tags);
  const householdsJson = { seed, households: households.map((h) => ({ ...h, held_out: heldOut.households.has(h.household.id) })) };
  const hhText = `${JSON.stringify(householdsJson)}\n`;
  writeFileSync(join(options.out, 'households.json'), hhText);
  stats.files.push({
    file: 'households.json',
    lines: 1,
    bytes: Buffer.byteLength(hhText),
    sha256: createHash('sha256').update(hhText).digest('hex'),
  });
  writeFileSync(join(options.out, 'stats.json'), `${JSON.stringify(stats, null, 2)}\n`);
  return stats;
}
