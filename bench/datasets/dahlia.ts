/**
 * Loader and frame-level evaluation for DAHLIA-style activity annotations.
 *
 * DAHLIA (Vaquette et al., "The DAily Home LIfe Activity Dataset", IEEE FG
 * 2017; CEA LIST, distributed on registration from the mobilemii site) is, as
 * far as we know, untrimmed kitchen/dining sequences filmed by three Kinect v2
 * views with frame-level labels for: cooking, laying table, eating, clearing
 * table, washing dishes, housework, working, and neutral (background).
 * NOTE: these details are recalled from the paper, NOT verified against the
 * distribution, and we have not seen its annotation files. This module
 * therefore defines the text format it parses (below, and in
 * docs/datasets/dahlia.md); convert the real annotations to it if they differ.
 *
 * Format ("HomeSight DAHLIA annotation format v1"), one file per sequence and
 * view; the file name (without extension) is the sequence id, and a `K1`–`K3`
 * in it names the Kinect view. Blank lines and lines starting with `#` are
 * ignored; fields are separated by commas, tabs or spaces; a first line whose
 * fields are not numbers-and-a-label is a header and is skipped.
 *   segments   `start_frame end_frame label` (or `label start_frame end_frame`),
 *              frames inclusive; segments must not overlap; the sequence
 *              runs from the first segment's start to the last one's end, and
 *              frames between segments are neutral.
 *   per-frame  `label` per line (line k = frame k, counting from the first
 *              frame number, default 0), or `frame label`.
 * Labels are class names in any case with spaces, `_` or `-` ("Laying table",
 * "laying_table", "LAYING-TABLE"), a few synonyms ("set table", "dishes",
 * "background", "none") or numeric ids in ACTIVITY_CLASSES order
 * (0 neutral … 7 working — our order; the dataset's own ids are unverified,
 * pass `labelIds` to map others).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { HomeSightError } from '../../daemon/system/index.js';

export const ACTIVITY_CLASSES = [
  'neutral',
  'cooking',
  'laying_table',
  'eating',
  'clearing_table',
  'washing_dishes',
  'housework',
  'working',
] as const;
export type ActivityClass = (typeof ACTIVITY_CLASSES)[number];

const SYNONYMS: Record<string, ActivityClass> = {
  neutral: 'neutral',
  background: 'neutral',
  none: 'neutral',
  other: 'neutral',
  idle: 'neutral',
  cooking: 'cooking',
  cook: 'cooking',
  layingtable: 'laying_table',
  laytable: 'laying_table',
  layingthetable: 'laying_table',
  settingtable: 'laying_table',
  settable: 'laying_table',
  settingthetable: 'laying_table',
  eating: 'eating',
  eat: 'eating',
  clearingtable: 'clearing_table',
  cleartable: 'clearing_table',
  clearingthetable: 'clearing_table',
  washingdishes: 'washing_dishes',
  washdishes: 'washing_dishes',
  washingthedishes: 'washing_dishes',
  dishes: 'washing_dishes',
  washingup: 'washing_dishes',
  housework: 'housework',
  housekeeping: 'housework',
  cleaning: 'housework',
  working: 'working',
  work: 'working',
};

export interface Segment {
  label: ActivityClass;
  /** First frame (inclusive). */
  start: number;
  /** Last frame (inclusive). */
  end: number;
}

export interface DahliaSequence {
  id: string;
  path: string;
  /** Kinect view 1–3 when the name says (…K2…), else null. */
  view: number | null;
  format: 'segments' | 'frames';
  /** Frame number of labels[0]. */
  firstFrame: number;
  /** One label per frame, firstFrame onwards. */
  labels: ActivityClass[];
  segments: Segment[];
}

export interface ParseOptions {
  /** Numeric label ids → class (default: index in ACTIVITY_CLASSES). */
  labelIds?: Record<number, ActivityClass>;
  /** Frame number of the first line of a per-frame file without frame numbers (default 0). */
  firstFrame?: number;
}

function fail(path: string, line: number, message: string, hint: string): never {
  throw new HomeSightError('E_DAHLIA_FORMAT', `${path}:${line}: ${message}`, { context: { path, line }, hint });
}

/** A label token → class, or null when it is not a label. */
export function parseLabel(token: string, o: ParseOptions = {}): ActivityClass | null {
  if (/^\d+$/.test(token)) {
    const id = Number(token);
    return o.labelIds?.[id] ?? (o.labelIds === undefined ? (ACTIVITY_CLASSES[id] ?? null) : null);
  }
  const key = token.toLowerCase().replace(/[\s_\-.]+/g, '');
  return SYNONYMS[key] ?? null;
}

const isInt = (s: string): boolean => /^-?\d+$/.test(s);

/** Fields of a line: comma/tab separated as written; space separated with multi-word labels kept whole. */
function splitFields(line: string): string[] {
  if (line.includes(',') || line.includes('\t'))
    return line
      .split(/[,\t]/)
      .map((x) => x.trim())
      .filter((x) => x.length > 0);
  const t = line.split(/\s+/).filter((x) => x.length > 0);
  const n = t.length;
  if (n <= 1 || (n === 2 && isInt(t[0]!) && isInt(t[1]!))) return t;
  if (n >= 3 && isInt(t[0]!) && isInt(t[1]!)) return [t[0]!, t[1]!, t.slice(2).join(' ')];
  if (n >= 3 && isInt(t[n - 2]!) && isInt(t[n - 1]!)) return [t.slice(0, n - 2).join(' '), t[n - 2]!, t[n - 1]!];
  if (isInt(t[0]!)) return [t[0]!, t.slice(1).join(' ')];
  return [t.join(' ')];
}

/** Turns per-frame labels into maximal runs. */
export function framesToSegments(labels: readonly ActivityClass[], firstFrame = 0): Segment[] {
  const out: Segment[] = [];
  labels.forEach((l, i) => {
    const last = out[out.length - 1];
    if (last !== undefined && last.label === l && last.end === firstFrame + i - 1) last.end = firstFrame + i;
    else out.push({ label: l, start: firstFrame + i, end: firstFrame + i });
  });
  return out;
}

/** Parses one annotation text (see the module comment for the format). */
export function parseDahlia(text: string, path = '<text>', o: ParseOptions = {}): DahliaSequence {
  const rows: Array<{ line: number; fields: string[] }> = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    rows.push({ line: i + 1, fields: splitFields(line) });
  });
  const isData = (f: string[]): boolean =>
    (f.length === 1 && parseLabel(f[0]!, o) !== null) ||
    (f.length === 2 && isInt(f[0]!) && parseLabel(f[1]!, o) !== null) ||
    (f.length === 3 && ((isInt(f[0]!) && isInt(f[1]!)) || (isInt(f[1]!) && isInt(f[2]!))));
  if (rows.length > 0 && !isData(rows[0]!.fields)) rows.shift(); // header
  if (rows.length === 0)
    fail(path, 1, 'no annotation lines', 'one segment per line: "start_frame end_frame label", or one label per frame');
  const width = rows[0]!.fields.length;
  const id = basename(path, extname(path));
  const viewMatch = /K([1-3])/i.exec(id);
  const view = viewMatch === null ? null : Number(viewMatch[1]);
  const label = (tok: string, line: number): ActivityClass =>
    parseLabel(tok, o) ??
    fail(
      path,
      line,
      `unknown activity label "${tok}"`,
      `labels: ${ACTIVITY_CLASSES.join(', ')} (any case; spaces, _ or -), or ids 0–${ACTIVITY_CLASSES.length - 1}`,
    );

  if (width === 3) {
    const segs: Segment[] = rows.map(({ line, fields }) => {
      if (fields.length !== 3)
        fail(path, line, `expected 3 fields like the first line, found ${fields.length}`, 'segments: "start_frame end_frame label"');
      const [a, b, c] = fields as [string, string, string];
      const seg =
        isInt(a) && isInt(b)
          ? { start: Number(a), end: Number(b), label: label(c, line) }
          : isInt(b) && isInt(c)
            ? { start: Number(b), end: Number(c), label: label(a, line) }
            : fail(path, line, 'a segment needs two frame numbers', 'segments: "start_frame end_frame label"');
      if (seg.end < seg.start)
        fail(path, line, `segment ends (${seg.end}) before it starts (${seg.start})`, 'frames are inclusive: start ≤ end');
      return seg;
    });
    const sorted = segs.slice().sort((x, y) => x.start - y.start);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]!.start <= sorted[i - 1]!.end) {
        const l = rows[segs.indexOf(sorted[i]!)]!.line;
        fail(
          path,
          l,
          `segment ${sorted[i]!.start}–${sorted[i]!.end} overlaps ${sorted[i - 1]!.start}–${sorted[i - 1]!.end}`,
          'one activity per frame: segments must not overlap',
        );
      }
    }
    const first = sorted[0]!.start;
    const lastFrame = sorted[sorted.length - 1]!.end;
    const labels = new Array<ActivityClass>(lastFrame - first + 1).fill('neutral');
    for (const s of sorted) for (let f = s.start; f <= s.end; f++) labels[f - first] = s.label;
    return { id, path, view, format: 'segments', firstFrame: first, labels, segments: framesToSegments(labels, first) };
  }
  if (width === 1) {
    const labels = rows.map(({ line, fields }) => {
      if (fields.length !== 1)
        fail(path, line, `expected one label like the first line, found ${fields.length} fields`, 'per-frame files: one label per line');
      return label(fields[0]!, line);
    });
    const first = o.firstFrame ?? 0;
    return { id, path, view, format: 'frames', firstFrame: first, labels, segments: framesToSegments(labels, first) };
  }
  if (width === 2) {
    const pairs = rows.map(({ line, fields }) => {
      if (fields.length !== 2 || !isInt(fields[0]!)) fail(path, line, 'expected "frame label"', 'per-frame files: "frame label" per line');
      return { line, frame: Number(fields[0]), label: label(fields[1]!, line) };
    });
    pairs.forEach((p, i) => {
      if (i > 0 && p.frame !== pairs[i - 1]!.frame + 1)
        fail(path, p.line, `frame ${p.frame} does not follow ${pairs[i - 1]!.frame}`, 'per-frame files list consecutive frames');
    });
    const labels = pairs.map((p) => p.label);
    return { id, path, view, format: 'frames', firstFrame: pairs[0]!.frame, labels, segments: framesToSegments(labels, pairs[0]!.frame) };
  }
  return fail(
    path,
    rows[0]!.line,
    `cannot tell the layout from ${width} fields`,
    'segments: "start end label"; per-frame: "label" or "frame label"',
  );
}

const EXTENSIONS = new Set(['.txt', '.csv', '.tsv', '.lab', '.annot']);

/** Loads every annotation file under a folder (recursively), sorted by path. */
export function loadDahlia(pathOrDir: string, o: ParseOptions = {}): DahliaSequence[] {
  const st = statSync(pathOrDir);
  if (st.isFile()) return [parseDahlia(readFileSync(pathOrDir, 'utf8'), pathOrDir, o)];
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else if (EXTENSIONS.has(extname(name).toLowerCase())) files.push(p);
    }
  };
  walk(pathOrDir);
  if (files.length === 0) {
    throw new HomeSightError('E_DAHLIA_EMPTY', `no annotation files (${[...EXTENSIONS].join(', ')}) under ${pathOrDir}`, {
      context: { path: pathOrDir },
      hint: 'point at the folder holding the per-sequence annotation files',
    });
  }
  return files.map((f) => parseDahlia(readFileSync(f, 'utf8'), f, o));
}

export interface FrameEvaluation {
  frames: number;
  /** Frames the predictor gave no label (counted as wrong). */
  unlabelled: number;
  accuracy: number;
  macro_f1: number;
  per_class: Record<ActivityClass, { precision: number; recall: number; f1: number; support: number }>;
  /** confusion[gold][pred] */
  confusion: Record<ActivityClass, Record<ActivityClass | 'none', number>>;
}

/**
 * Frame-level scores of predicted labels against gold labels (same length):
 * accuracy, per-class precision/recall/F1 and macro-F1 over classes present
 * in gold or predictions. null predictions count as wrong.
 */
export function evaluateFrames(gold: readonly ActivityClass[], pred: ReadonlyArray<ActivityClass | null>): FrameEvaluation {
  if (gold.length !== pred.length) {
    throw new HomeSightError('E_DAHLIA_LENGTH', `gold has ${gold.length} frames, predictions ${pred.length}`, {
      hint: 'predict one label (or null) per annotated frame',
    });
  }
  const confusion = Object.fromEntries(
    ACTIVITY_CLASSES.map((g) => [g, Object.fromEntries([...ACTIVITY_CLASSES, 'none'].map((p) => [p, 0]))]),
  ) as FrameEvaluation['confusion'];
  let correct = 0;
  let unlabelled = 0;
  gold.forEach((g, i) => {
    const p = pred[i] ?? null;
    if (p === null) unlabelled++;
    confusion[g][p ?? 'none']++;
    if (p === g) correct++;
  });
  const per = {} as FrameEvaluation['per_class'];
  const f1s: number[] = [];
  for (const c of ACTIVITY_CLASSES) {
    const tp = confusion[c][c];
    const support = ACTIVITY_CLASSES.reduce((a, p) => a + confusion[c][p], 0) + confusion[c].none;
    const predicted = ACTIVITY_CLASSES.reduce((a, g) => a + confusion[g][c], 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    per[c] = { precision, recall, f1, support };
    if (support > 0 || predicted > 0) f1s.push(f1);
  }
  return {
    frames: gold.length,
    unlabelled,
    accuracy: gold.length === 0 ? 0 : correct / gold.length,
    macro_f1: f1s.length === 0 ? 0 : f1s.reduce((a, b) => a + b, 0) / f1s.length,
    per_class: per,
    confusion,
  };
}

/**
 * HomeSight's activity expert labels (daemon/vision ACTIVITY_CLASSES) → the
 * DAHLIA class they count as when scoring on DAHLIA. Postures and anything
 * unknown count as neutral.
 */
export const VISION_TO_DAHLIA: Readonly<Record<string, ActivityClass>> = {
  cooking: 'cooking',
  laying_table: 'laying_table',
  eating: 'eating',
  drinking: 'eating',
  clearing_table: 'clearing_table',
  washing_dishes: 'washing_dishes',
  cleaning: 'housework',
  using_laptop: 'working',
  using_phone: 'working',
  reading: 'working',
  walking: 'neutral',
  standing: 'neutral',
  sitting: 'neutral',
  lying_down: 'neutral',
};

/** The DAHLIA class of an activity-expert label (null stays null: no prediction). */
export function toDahliaClass(label: string | null): ActivityClass | null {
  if (label === null) return null;
  return VISION_TO_DAHLIA[label] ?? parseLabel(label) ?? 'neutral';
}
