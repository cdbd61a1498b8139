import { toFractions } from './geometry.js';
import type { StepResult, TrackState } from './pipeline.js';
import type { EventChange, HomeEvent, RgbImage } from './types.js';

export interface EventWriterOptions {
  camera: string;
  /** A track needs one detection at least this confident before it becomes an event. */
  minScore: number;
  /** Ongoing person events are re-written this often with their latest box (ms; 0 = every frame). */
  updateIntervalMs: number;
  newId(ts: number): string;
  /** Called for every event change, in order. */
  emit(change: EventChange, event: HomeEvent): void;
  /**
   * Saves a snapshot of `box` for the event; returns the path relative to
   * paths.data_dir synchronously (the file is written in the background), or
   * null when snapshots are off.
   */
  snapshot?(img: RgbImage, track: TrackState, eventId: string, ts: number): string | null;
}

interface Open {
  person: HomeEvent;
  identity: HomeEvent | null;
  activity: HomeEvent | null;
  lastWrite: number;
}

/**
 * Turns tracks into HomeEvents: a person event per track (appeared → left),
 * an identity event from the moment a track's identity is resolved, and one
 * activity event per stretch of the same activity. Every change is emitted
 * as new / update / end.
 */
export class CameraEventWriter {
  private readonly open = new Map<string, Open>();

  constructor(private readonly o: EventWriterOptions) {}

  get openCount(): number {
    return this.open.size;
  }

  private personAttributes(t: TrackState): Record<string, unknown> {
    return {
      identity_state: t.identity.state,
      identity_similarity: t.identity.similarity,
      faces: t.voter.faceCount,
      last_face_similarity: t.lastFace?.similarity ?? null,
      posture: t.activity?.posture ?? null,
      activity_confidence: t.activity?.confidence ?? null,
      activity_alternatives: t.activity?.alternatives ?? [],
      current_zones: t.zones,
      frames: t.hits,
    };
  }

  private refreshPerson(ev: HomeEvent, t: TrackState, width: number, height: number): void {
    ev.box = toFractions(t.box, width, height);
    ev.zones = [...t.zonesEntered].sort();
    ev.confidence = Math.round(t.bestScore * 1000) / 1000;
    ev.identity = t.identity.state === 'resolved' ? t.identity.name : null;
    ev.activity = t.activity?.activity ?? null;
    ev.attributes = { ...ev.attributes, ...this.personAttributes(t) };
  }

  /** Applies one pipeline step. */
  onStep(img: RgbImage, step: StepResult): void {
    const { ts, width, height } = step.analysis;
    for (const t of step.tracks) {
      let o = this.open.get(t.id);
      if (o === undefined) {
        if (t.bestScore < this.o.minScore) continue;
        const id = this.o.newId(t.firstSeen);
        const person: HomeEvent = {
          id,
          camera: this.o.camera,
          kind: t.label === 'person' ? 'person' : 'object',
          label: t.label,
          track_id: t.id,
          identity: null,
          activity: null,
          start: t.firstSeen,
          end: null,
          confidence: 0,
          box: null,
          zones: [],
          snapshot: null,
          attributes: {},
        };
        this.refreshPerson(person, t, width, height);
        person.snapshot = this.o.snapshot?.(img, t, id, ts) ?? null;
        o = { person, identity: null, activity: null, lastWrite: ts };
        this.open.set(t.id, o);
        this.o.emit('new', { ...person });
      }
      let changed = false;
      // Identity resolved (or changed).
      const name = t.identity.state === 'resolved' ? t.identity.name : null;
      if (name !== null && o.identity?.identity !== name) {
        if (o.identity !== null) this.end(o.identity, ts);
        o.identity = {
          id: this.o.newId(ts),
          camera: this.o.camera,
          kind: 'identity',
          label: name,
          track_id: t.id,
          identity: name,
          activity: t.activity?.activity ?? null,
          start: ts,
          end: null,
          confidence: t.identity.similarity ?? 0,
          box: toFractions(t.box, width, height),
          zones: [...t.zonesEntered].sort(),
          snapshot: o.person.snapshot,
          attributes: { person_event: o.person.id, votes: t.identity.votes, faces: t.identity.faces },
        };
        this.o.emit('new', { ...o.identity });
        if (o.activity !== null) {
          o.activity.identity = name;
          this.o.emit('update', { ...o.activity });
        }
        // A better picture for the now-known person.
        const snap = this.o.snapshot?.(img, t, o.person.id, ts);
        if (snap !== undefined && snap !== null) o.person.snapshot = snap;
        changed = true;
      }
      // Activity changed.
      const act = t.activity?.activity ?? null;
      if (act !== (o.activity?.activity ?? null)) {
        if (o.activity !== null) this.end(o.activity, ts);
        o.activity = null;
        if (act !== null) {
          o.activity = {
            id: this.o.newId(ts),
            camera: this.o.camera,
            kind: 'activity',
            label: act,
            track_id: t.id,
            identity: name,
            activity: act,
            start: ts,
            end: null,
            confidence: t.activity!.confidence,
            box: toFractions(t.box, width, height),
            zones: [...t.zones].sort(),
            snapshot: null,
            attributes: {
              person_event: o.person.id,
              posture: t.activity!.posture,
              alternatives: t.activity!.alternatives,
              features: t.activity!.features,
            },
          };
          this.o.emit('new', { ...o.activity });
        }
        changed = true;
      }
      if (changed || ts - o.lastWrite >= this.o.updateIntervalMs) {
        this.refreshPerson(o.person, t, width, height);
        o.lastWrite = ts;
        this.o.emit('update', { ...o.person });
      }
    }
    for (const t of step.ended) this.endTrack(t);
  }

  private end(ev: HomeEvent, at: number): void {
    ev.end = Math.max(ev.start, at);
    this.o.emit('end', { ...ev });
  }

  /** Closes a track's events at its last sighting. */
  endTrack(t: TrackState): void {
    const o = this.open.get(t.id);
    if (o === undefined) return;
    this.open.delete(t.id);
    const at = t.lastSeen;
    if (o.activity !== null) this.end(o.activity, at);
    if (o.identity !== null) this.end(o.identity, at);
    o.person.attributes = { ...o.person.attributes, ...this.personAttributes(t) };
    o.person.identity = t.identity.state === 'resolved' ? t.identity.name : null;
    this.end(o.person, at);
  }
}
