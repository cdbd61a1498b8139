import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { IngestApi } from '../../ingest/index.js';
import type { LongTermKind, MemoryStore } from '../../memory/index.js';
import type { MqttBridge } from '../../mqtt/index.js';
import type { VisionModule } from '../../vision/index.js';
import type { ConversationsPort, EventsPort, FrameData, FramesPort, HubPort, LongTermPort, LongTermRecord, VisionPort } from './ports.js';

/**
 * Adapters from the real modules' public APIs to the agent's narrow ports.
 * Each takes a getter, so a module that starts after the agent was built
 * (or restarts) is picked up at call time.
 */

type Getter<T> = () => T | null;

const LT_KINDS: readonly LongTermKind[] = ['fact', 'preference', 'name', 'plan', 'correction', 'pseudo_label'];

export function memoryEvents(store: Getter<MemoryStore>): EventsPort {
  const s = (): MemoryStore['events'] => {
    const st = store();
    if (st === null) throw new Error('memory store is not open');
    return st.events;
  };
  return {
    eventsBetween: (q) => s().eventsBetween(q),
    whoWasWhere: (q) => s().whoWasWhere(q),
    lastSeen: (identity) => s().lastSeen(identity),
    timeline: (identity, day, timezone, options) => s().timeline(identity, day, timezone, options),
    aggregate: (q) => s().aggregate(q),
  };
}

export function memoryLongTerm(store: Getter<MemoryStore>): LongTermPort {
  const s = (): MemoryStore => {
    const st = store();
    if (st === null) throw new Error('memory store is not open');
    return st;
  };
  return {
    async search(query, options = {}) {
      const st = s();
      const [emb] = await st.embedder.embed([query]);
      const k = options.k ?? 5;
      const kinds = options.kinds ?? (options.kind !== undefined ? [options.kind] : [undefined]);
      const hits: LongTermRecord[] = [];
      for (const kind of kinds) {
        if (kind !== undefined && !LT_KINDS.includes(kind as LongTermKind)) continue;
        const found = st.longTerm.search(query, emb ?? null, k, kind === undefined ? {} : { kind: kind as LongTermKind });
        for (const h of found)
          hits.push({
            id: h.item.id,
            kind: h.item.kind,
            text: h.item.text,
            payload: h.item.payload,
            score: h.score,
            created: h.item.created,
          });
      }
      return hits.sort((a, b) => b.score - a.score).slice(0, k);
    },
    async add(item) {
      const kind = (LT_KINDS.includes(item.kind as LongTermKind) ? item.kind : 'fact') as LongTermKind;
      const stored = await s().longTerm.remember(
        item.payload === undefined ? { kind, text: item.text } : { kind, text: item.text, payload: item.payload },
      );
      return stored.id;
    },
  };
}

export function memoryConversations(store: Getter<MemoryStore>): ConversationsPort {
  const s = (): MemoryStore => {
    const st = store();
    if (st === null) throw new Error('memory store is not open');
    return st;
  };
  return {
    recent: (id, n) => s().conversations.recentTurns(id, n),
    append: (id, turn) => {
      s().conversations.appendTurn(id, turn);
    },
  };
}

/**
 * Frames from ingest's recordings; snapshots written as JPEGs under `dir`;
 * clips as the recorded segment with a media-fragment time range
 * (file:///…/segment.mkv#t=12.0,22.0), from memory's recordings index.
 */
export function ingestFrames(ingest: Getter<IngestApi>, store: Getter<MemoryStore>, dir: string): FramesPort {
  const api = (): IngestApi => {
    const i = ingest();
    if (i === null) throw new Error('ingest is not running');
    return i;
  };
  return {
    framesAt: async (camera, start, end, fps, signal) => {
      const opts: { signal?: AbortSignal; maxFrames: number } = { maxFrames: 240 };
      if (signal !== undefined) opts.signal = signal;
      const frames = await api().framesAt(camera, start, end, fps, opts);
      return frames as FrameData[];
    },
    snapshot: async (frame, boxes) => {
      // Boxes come in pixels; ingest draws fractions of the frame.
      const w = Math.max(1, frame.width);
      const h = Math.max(1, frame.height);
      const jpeg = await api().snapshot(
        frame as Parameters<IngestApi['snapshot']>[0],
        boxes.map((b) => ({ box: [b[0] / w, b[1] / h, b[2] / w, b[3] / h] as [number, number, number, number] })),
      );
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${frame.camera}-${frame.ts}-${Math.random().toString(36).slice(2, 8)}.jpg`);
      await writeFile(file, jpeg);
      return file;
    },
    clip: async (camera, start, end) => {
      const st = store();
      if (st === null) return null;
      const segs = st.recordings.segmentsBetween(camera, start, end);
      const seg = segs[0];
      if (seg === undefined) return null;
      const from = Math.max(0, (start - seg.start) / 1000);
      const to = Math.max(from, (Math.min(end, seg.end) - seg.start) / 1000);
      return `${pathToFileURL(seg.path).href}#t=${from.toFixed(1)},${to.toFixed(1)}`;
    },
  };
}

export function visionAnalyzer(vision: Getter<Pick<VisionModule, 'analyzeFrames'>>): VisionPort {
  return {
    analyzeFrames: async (frames) => {
      const v = vision();
      if (v === null) throw new Error('vision is not running');
      const res = await v.analyzeFrames(frames as Parameters<VisionModule['analyzeFrames']>[0]);
      return res.map((r) => ({
        camera: r.camera,
        ts: r.ts,
        width: r.width,
        height: r.height,
        persons: r.persons.map((p) => ({
          box: p.box,
          score: p.score,
          identity: p.identity,
          similarity: p.similarity,
          activity: p.activity ?? null,
        })),
      }));
    },
  };
}

/** Publishing to absolute hub topics through the MQTT bridge. */
export function mqttHub(bridge: Getter<Pick<MqttBridge, 'publish'>>): HubPort {
  return {
    publish: async (topic, message) => {
      const b = bridge();
      if (b === null) throw new Error('mqtt is not running');
      await b.publish(`/${topic.replace(/^\/+/, '')}`, message, { qos: 1 });
    },
  };
}
