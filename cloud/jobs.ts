import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../daemon/system/index.js';
import { toJsonl } from '../daemon/contracts/index.js';
import { publishAdapter, type Trainer } from './trainer/index.js';
import { curate, type Curated, type LabeledPlan } from './curation.js';
import type { CloudStore } from './store.js';
import type { TaskPlan } from '../daemon/agent/index.js';

export interface AdapterJobOptions {
  store: CloudStore;
  trainer: Trainer;
  baseModel: string;
  /** ed25519 private key (PEM or base64 PKCS#8) that signs adapters. */
  privateKey: string;
  workDir: string;
  steps?: number;
  rank?: number;
  alpha?: number;
  testShare?: number;
  maxPerTool?: number;
  log?: Logger;
}

/**
 * Adapter jobs: a household's pseudo-labels → curation (dedupe, balance by tool, held-out slice) → the Trainer seam
 * (cloud/trainer: LoRA on the GGUF base) → ed25519-signed manifest → published for the household's devices.
 */
export class AdapterJobs {
  private readonly log: Logger;
  constructor(private readonly o: AdapterJobOptions) {
    this.log = o.log ?? silentLogger();
  }

  labels(household: string): LabeledPlan[] {
    const out: LabeledPlan[] = [];
    let since = 0;
    for (;;) {
      const page = this.o.store.labelsSince(household, since, 500);
      if (page.length === 0) return out;
      for (const l of page) out.push({ question: l.question, plan: l.plan as TaskPlan });
      since = page[page.length - 1]!.seq;
    }
  }

  async train(household: string, signal?: AbortSignal): Promise<{ id: string; curated: Curated; manifest: unknown } | null> {
    const curated = curate(this.labels(household), { testShare: this.o.testShare ?? 0.2, maxPerTool: this.o.maxPerTool ?? 200 });
    if (curated.train.length === 0) return null;
    const id = `${household.replace(/[^A-Za-z0-9._-]/g, '_')}-${Date.now()}`;
    const dir = join(this.o.workDir, id);
    await mkdir(dir, { recursive: true });
    const dataFile = join(dir, 'train.jsonl');
    const evalFile = join(dir, 'test.jsonl');
    await writeFile(dataFile, toJsonl(curated.train.map((l) => ({ question: l.question, ...l.plan }))));
    if (curated.test.length > 0) await writeFile(evalFile, toJsonl(curated.test.map((l) => ({ question: l.question, ...l.plan }))));
    const outFile = join(dir, 'adapter.gguf');
    const r = await this.o.trainer.train(
      {
        baseModel: this.o.baseModel,
        dataFile,
        outFile,
        steps: this.o.steps ?? 200,
        rank: this.o.rank ?? 4,
        alpha: this.o.alpha ?? 8,
        seed: 1,
        ...(curated.test.length > 0 ? { evalFile } : {}),
      },
      undefined,
      signal,
    );
    const manifest = await publishAdapter({
      adapterFile: r.adapterFile,
      id,
      privateKey: this.o.privateKey,
      metrics: {
        loss_start: r.lossStart,
        loss_end: r.lossEnd,
        train_samples: curated.train.length,
        ...(r.evalNllEnd !== null ? { eval_nll: r.evalNllEnd } : {}),
      },
      manifestFile: join(dir, 'manifest.json'),
    });
    this.o.store.addAdapter(household, id, manifest, r.adapterFile);
    this.log.info({ household, id, loss: [r.lossStart, r.lossEnd] }, 'adapter trained and published');
    return { id, curated, manifest };
  }
}
