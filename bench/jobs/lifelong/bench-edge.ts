/**
 * One household's learning edge for the lifelong updaters (./cloud-teacher-updater.ts, ./adapter-updater.ts): the
 * daemon's own parts — enrolment with the cloud teacher app, long-term memory (SQLite), audit log, persisted upload
 * queue, hard-example miner, privacy filter — wired as the learning module wires them, with the upload schedule made
 * immediate (the bench syncs by hand after each round).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AdapterSink,
  AuditLog,
  DEFAULT_UPLOAD,
  HardExampleMiner,
  HttpTeacherClient,
  LearningEdge,
  type PrivacyFilter,
  Uploader,
} from '../../../daemon/learning/index.js';
import { MemoryStore } from '../../../daemon/memory/index.js';
import { silentLogger, systemClock } from '../../../daemon/system/index.js';
import type { HouseholdInfo } from '../../harness/index.js';

/** The household's working folder (wiped) and its long-term memory. */
export function edgeState(workDir: string, household: string): { dir: string; memory: MemoryStore } {
  const dir = join(workDir, 'edge', household.replace(/[^A-Za-z0-9._-]/g, '_'));
  rmSync(dir, { recursive: true, force: true });
  return { dir, memory: new MemoryStore({ file: join(dir, 'memory.db'), log: silentLogger(), clock: systemClock }) };
}

export async function benchEdge(o: {
  cloudUrl: string;
  household: string;
  hh: HouseholdInfo | undefined;
  state: { dir: string; memory: MemoryStore };
  filter: PrivacyFilter;
  minLogprob: number;
  /** Where announced adapters go (the adapter lifecycle). */
  adapters?: AdapterSink;
}): Promise<LearningEdge> {
  const { household, hh } = o;
  const { dir, memory } = o.state;
  const token = await HttpTeacherClient.enroll(o.cloudUrl, {
    device_id: `bench-${household}`,
    household,
    enrollment_secret: 'bench-enrollment',
  });
  const client = new HttpTeacherClient({ baseUrl: o.cloudUrl, token });
  const audit = new AuditLog(join(dir, 'audit.jsonl'));
  return new LearningEdge({
    miner: new HardExampleMiner({ minLogprob: o.minLogprob }),
    filter: o.filter,
    uploader: new Uploader({
      queue: memory.learning.samples,
      client,
      clock: systemClock,
      audit,
      settings: { ...DEFAULT_UPLOAD, interval_s: 0.001, jitter_s: 0 },
      timezone: hh?.timezone ?? 'UTC',
    }),
    audit,
    client,
    longTerm: memory.longTerm,
    validate: {
      cameras: hh?.cameras ?? [],
      ...(hh?.allowTools !== undefined ? { allowTools: hh.allowTools as Array<'remember' | 'publish_to_hub'> } : {}),
      ...(hh?.hubTopics !== undefined ? { hubTopics: hh.hubTopics } : {}),
    },
    ...(o.adapters === undefined ? {} : { adapters: o.adapters }),
    stateDir: dir,
    clock: systemClock,
  });
}
