import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../../daemon/memory/index.js';
import { ManualClock, silentLogger } from '../../../daemon/system/index.js';
import { AuditLog, HardExampleMiner, LearningEdge, PrivacyFilter, Uploader, DEFAULT_UPLOAD } from '../../../daemon/learning/index.js';
import { type AnsweredEvent } from '../../../daemon/learning/edge.js';
import { type TeacherClient } from '../../../daemon/learning/teacher-client.js';

export const PEOPLE = [
  { name: 'Bob', aliases: ['grandpa'] },
  { name: 'Alice Liddell', aliases: ['Ally'] },
];

export const SECRET = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

export function tmp(prefix = 'hs-learn-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function makeEdge(
  dir: string,
  client: TeacherClient | null,
  clock = new ManualClock(Date.parse('2024-05-02T10:00:00Z')),
  over: Partial<typeof DEFAULT_UPLOAD> = {},
) {
  const store = new MemoryStore({ file: join(dir, 'memory.db'), log: silentLogger(), clock });
  const audit = new AuditLog(join(dir, 'audit.jsonl'));
  const uploader = new Uploader({
    queue: store.learning.samples,
    client,
    clock,
    audit,
    settings: { ...DEFAULT_UPLOAD, interval_s: 60, jitter_s: 0, backoff_s: 1, ...over },
    timezone: 'Europe/Berlin',
    random: () => 0,
  });
  const filter = new PrivacyFilter({ secret: SECRET, people: PEOPLE, uploadFrameCameras: ['porch'] });
  const edge = new LearningEdge({
    miner: new HardExampleMiner({ minLogprob: -1.5 }),
    filter,
    uploader,
    audit,
    client,
    longTerm: store.longTerm,
    validate: { cameras: ['porch', 'kitchen'] },
    stateDir: dir,
    clock,
  });
  return { store, audit, uploader, filter, edge, clock };
}

/** An answer whose plan failed in execution. */
export function failedAnswer(id: string, question = "When was Bob last seen near grandpa's car? Ask Ally."): AnsweredEvent {
  return {
    answer_id: id,
    at: Date.parse('2024-05-02T10:00:00Z'),
    result: {
      question,
      answer: 'Bob was last seen on the porch at 09:12.',
      plan: { task_steps: ['Step 1: find Bob'], task_nodes: [{ task: 'last_seen', arguments: { person: 'Bob' } }], task_links: [] },
      planner: 'local',
      executed: true,
      notes: [],
      trace: {
        planning: [{ planner: 'local', repair: 0, ok: true }],
        nodes: [{ task: 'last_seen', status: 'error', error: { code: 'E_TOOL', message: 'Bob: no sighting in the kitchen' } }],
        confidence: -0.3,
      },
      evidence: [],
    },
  };
}

export function writeJpeg(file: string, jpeg: Buffer): void {
  writeFileSync(file, jpeg);
}
