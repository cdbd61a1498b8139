import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { TaskPlan } from '../agent/index.js';
import { sampleContextSchema, type PlanContext, type SampleContext, type UploadSample } from '../contracts/index.js';

/** A person of the household as the config knows them. */
export interface HouseholdPerson {
  name: string;
  aliases: string[];
}

/** What the miner hands to the filter: one answered question and why it is hard. */
export interface RawSample {
  /** Stable id (the answer id) — the upload is idempotent by it. */
  id: string;
  question: string;
  plan: TaskPlan;
  planner: string;
  confidence: number | null;
  reasons: string[];
  /** Executed nodes (tool outputs are never sent, only their shape). */
  nodes: Array<{ task: string; status: string; ms?: number; output?: string; error?: { code: string } }>;
  /** A user's corrected plan / answer (feedback command). */
  corrected_plan?: TaskPlan;
  corrected_answer?: string;
  /** Snapshots the answer referred to (camera + file); sent only for cameras with upload_frames. */
  frames?: Array<{ camera: string; file: string }>;
  /** What the agent planned with (names as configured); it leaves the device masked (maskContext). */
  context?: PlanContext;
  at: number;
}

/** Exactly what leaves the device (JSON-serialised as is): daemon/contracts' uploadSampleSchema. */
export type UploadPayload = UploadSample;

export interface PrivacyFilterOptions {
  /** Device secret for the name placeholders (HMAC-SHA256 key). */
  secret: string | Buffer;
  people: HouseholdPerson[];
  /** Cameras whose frames may leave (cameras.<name>.upload_frames). */
  uploadFrameCameras?: readonly string[];
  /** Gaussian blur sigma for uploaded frames (faces blurred: the whole frame is blurred, as no face boxes travel with evidence). */
  blurSigma?: number;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The privacy filter: by default only text leaves the device. Household names and aliases are replaced by stable
 * placeholders `<person-xxxxxxxx>` (HMAC of the name with the device secret, so the same person always gets the same
 * placeholder and the cloud cannot reverse it); tool outputs are reduced to metadata (task, status, time, size);
 * frames leave only for cameras with upload_frames, blurred.
 */
export class PrivacyFilter {
  private readonly toPlaceholder = new Map<string, string>();
  private readonly toName = new Map<string, string>();
  private readonly pattern: RegExp | null;
  private readonly frameCams: Set<string>;

  constructor(private readonly o: PrivacyFilterOptions) {
    const terms: string[] = [];
    for (const p of o.people) {
      const ph = this.placeholderFor(p.name);
      this.toName.set(ph, p.name);
      for (const t of [p.name, ...p.aliases]) {
        if (t.trim().length === 0) continue;
        this.toPlaceholder.set(t.toLowerCase(), ph);
        terms.push(t);
      }
    }
    terms.sort((a, b) => b.length - a.length);
    this.pattern = terms.length === 0 ? null : new RegExp(`(?<![\\p{L}\\p{N}])(${terms.map(escapeRe).join('|')})(?![\\p{L}\\p{N}])`, 'giu');
    this.frameCams = new Set(o.uploadFrameCameras ?? []);
  }

  /**
   * This filter, or one that also knows these people (a context naming someone the filter was not given: their
   * placeholder is the same, as it depends on the name and the secret only).
   */
  private including(people: ReadonlyArray<{ name: string; aliases: readonly string[] }>): PrivacyFilter {
    const fresh = people.filter((p) => [p.name, ...p.aliases].some((n) => n.trim() !== '' && !this.toPlaceholder.has(n.toLowerCase())));
    if (fresh.length === 0) return this;
    return new PrivacyFilter({ ...this.o, people: [...this.o.people, ...fresh.map((p) => ({ name: p.name, aliases: [...p.aliases] }))] });
  }

  /** The stable placeholder of a person's name. */
  placeholderFor(name: string): string {
    const h = createHmac('sha256', this.o.secret).update(name.trim().toLowerCase()).digest('hex');
    return `<person-${h.slice(0, 8)}>`;
  }

  /** Replaces household names/aliases in text with placeholders. */
  maskText(text: string): string {
    if (this.pattern === null) return text;
    return text.replace(this.pattern, (m) => this.toPlaceholder.get(m.toLowerCase()) ?? m);
  }

  /** Reverses placeholders to the household's names (for pseudo-labels coming back). Unknown placeholders stay. */
  unmaskText(text: string): string {
    return text.replace(/<person-[0-9a-f]{8}>/g, (m) => this.toName.get(m) ?? m);
  }

  /**
   * The plan-time context as it may leave the device: every person (people, group members, the asker) becomes their
   * placeholder and their aliases are dropped (in text each maps to the same placeholder); every other string (rooms,
   * cameras, zones, routines, group names, the previous turn) goes through maskText, so a room named after a person
   * names the placeholder. The result is checked against the contract, which admits only placeholders for people.
   */
  maskContext(ctx: PlanContext): SampleContext {
    const h = ctx.household;
    const t = (x: string): string => this.maskText(x);
    const ts = (xs: readonly string[]): string[] => xs.map(t);
    const keys = <V>(r: Record<string, V> | undefined, f: (v: V) => V): Record<string, V> | undefined =>
      r === undefined ? undefined : Object.fromEntries(Object.entries(r).map(([k, v]) => [t(k), f(v)]));
    const person = (name: string): string => this.toPlaceholder.get(name.toLowerCase()) ?? this.placeholderFor(name);
    const household: SampleContext['household'] = {
      people: h.people.map((p) => ({ name: person(p.name), aliases: [] })),
      rooms: ts(h.rooms),
      cameras: ts(h.cameras),
    };
    const cameraRooms = keys(h.cameraRooms, (v) => (v === null ? null : t(v)));
    if (cameraRooms !== undefined) household.cameraRooms = cameraRooms;
    const roomAliases = keys(h.roomAliases, ts);
    if (roomAliases !== undefined) household.roomAliases = roomAliases;
    const cameraZones = keys(h.cameraZones, ts);
    if (cameraZones !== undefined) household.cameraZones = cameraZones;
    if (h.groups !== undefined)
      household.groups = h.groups.map((g) => ({ name: t(g.name), aliases: ts(g.aliases), members: g.members.map(person) }));
    if (h.asker !== undefined) household.asker = person(h.asker);
    if (h.routines !== undefined)
      household.routines = h.routines.map((r) => ({
        name: t(r.name),
        aliases: ts(r.aliases),
        start: r.start,
        end: r.end,
        days: [...r.days],
      }));
    const out: SampleContext = { now: ctx.now, timezone: ctx.timezone, household };
    if (ctx.previous !== undefined)
      out.previous = {
        question: t(ctx.previous.question),
        ...(ctx.previous.plan !== undefined ? { plan: this.maskPlan(ctx.previous.plan) } : {}),
      };
    if (ctx.allow_tools !== undefined) out.allow_tools = [...ctx.allow_tools];
    if (ctx.hub_topics !== undefined) out.hub_topics = ts(ctx.hub_topics);
    return sampleContextSchema.parse(out);
  }

  maskPlan(plan: TaskPlan): TaskPlan {
    return JSON.parse(this.maskText(JSON.stringify(plan))) as TaskPlan;
  }

  unmaskPlan(plan: TaskPlan): TaskPlan {
    return JSON.parse(this.unmaskText(JSON.stringify(plan))) as TaskPlan;
  }

  /** The upload payload for a sample: names masked, outputs reduced to metadata, frames only where allowed (blurred). */
  async filter(s: RawSample): Promise<UploadPayload> {
    // a context may name someone the filter was not given: their name is masked everywhere in the sample too
    const mask = s.context === undefined ? this : this.including(s.context.household.people);
    const out: UploadPayload = {
      id: s.id,
      question: mask.maskText(s.question),
      plan: mask.maskPlan(s.plan),
      planner: s.planner,
      confidence: s.confidence,
      reasons: [...s.reasons],
      nodes: s.nodes.map((n) => ({
        task: n.task,
        status: n.status,
        ms: n.ms ?? null,
        output_bytes: n.output === undefined ? 0 : Buffer.byteLength(n.output),
        error_code: n.error?.code ?? null,
      })),
      at: new Date(s.at).toISOString(),
    };
    if (s.context !== undefined) out.context = mask.maskContext(s.context);
    if (s.corrected_plan !== undefined) out.corrected_plan = mask.maskPlan(s.corrected_plan);
    if (s.corrected_answer !== undefined) out.corrected_answer = mask.maskText(s.corrected_answer);
    const frames = (s.frames ?? []).filter((f) => this.frameCams.has(f.camera));
    if (frames.length > 0) {
      out.frames = [];
      for (const f of frames) {
        const jpeg = await blurFrame(await readFile(f.file), this.o.blurSigma ?? 12);
        out.frames.push({ camera: f.camera, jpeg_base64: jpeg.toString('base64') });
      }
    }
    return out;
  }
}

/** Blurs a frame (faces included) and re-encodes it as JPEG; metadata (EXIF, GPS) is stripped. */
export async function blurFrame(jpeg: Buffer, sigma = 12): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  return sharp(jpeg).blur(sigma).jpeg({ quality: 70 }).toBuffer();
}
