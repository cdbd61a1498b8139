/**
 * Adapter exchange through the services: the cloud's adapter jobs (train: household pseudo-labels → curation → LoRA
 * training on stories260K via the training runner and the Trainer seam; publish: ed25519-signed manifest), claimed from
 * the store's jobs table, publish an adapter; the edge fetches the manifest,
 * downloads the file over the API, and the adapter lifecycle verifies, evaluates and adopts it. An adapter signed by
 * an untrusted key is rejected at verification and not fetched again.
 */
import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import {
  AdapterJobs,
  buildCloudApp,
  FsBlobStore,
  JobRunner,
  LocalTrainingRunner,
  OracleReplayTeacher,
  openTeacherStore,
} from '../../cloud/index.js';
import { LocalProcessTrainer, publishAdapter } from '../../cloud/trainer/index.js';
import { HttpTeacherClient } from '../../daemon/learning/index.js';
import { AdapterLifecycle, AdapterStore, LlamaAdapterRuntime, NllEvaluator } from '../../daemon/learning/adapters/index.js';
import { lifecycleSink } from '../../daemon/learning/adapter-sink.js';
import { makeEdge } from './support/edge-helpers.js';
import { BASE_MODEL, signingKeys, tempDir, writeData } from './support/fixtures.js';
import { writeFileSync } from 'node:fs';

t.test('manifest → download → verify → evaluate → adopt, through the cloud API and the edge', async (t) => {
  const dir = tempDir(t);
  const data = writeData(dir);
  const keys = signingKeys();
  const cloud = await openTeacherStore({ kind: 'sqlite', file: join(dir, 'cloud.db') });
  t.teardown(() => cloud.close());
  const blobs = new FsBlobStore(join(dir, 'blobs'));
  for (const [i, r] of data.splits.train.entries()) {
    await cloud.recordLabel('h1', `s${i}`, {
      question: r.question,
      plan: { task_steps: r.task_steps ?? [], task_nodes: r.task_nodes, task_links: r.task_links ?? [] },
      teacher: 'oracle-replay',
    });
  }
  const pem = keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const adapterJobs = new AdapterJobs({
    store: cloud,
    blobs,
    runner: new LocalTrainingRunner(blobs, new LocalProcessTrainer({ threads: 1 }), dir),
    baseModel: BASE_MODEL,
    privateKey: pem,
    steps: 30,
    rank: 8,
    alpha: 16,
    testShare: 0.1,
  });
  // training and publishing as jobs, through the store's jobs table
  const runner = new JobRunner({ store: cloud, handlers: { train: adapterJobs.train, publish: adapterJobs.publish }, owner: 'test' });
  await cloud.enqueue({ kind: 'train', household: 'h1', key: 'train:h1' });
  const t0 = Date.now();
  t.equal(await runner.runUntilIdle(), 2, 'a train job, then the publish job it enqueued');
  const [trainJob] = await cloud.jobs({ kind: 'train' });
  t.match(trainJob, { state: 'done', attempts: 1 });
  const trained = trainJob!.result as { id: string; curated: { train: number; test: number; dropped: unknown } };
  const job = { id: trained.id };
  t.comment(
    `trained on ${trained.curated.train} curated plans (held out ${trained.curated.test}, ` +
      `dropped ${JSON.stringify(trained.curated.dropped)}) in ${Date.now() - t0} ms`,
  );
  t.ok(trained.curated.test > 0, 'a test slice is held out');
  const published = await cloud.adapters('h1');
  t.same(
    published.map((a) => a.id),
    [job.id],
    'published once',
  );
  t.ok(await blobs.has(published[0]!.blob), 'the adapter file is in the blob store');
  // an adapter signed by someone else
  const rogue = generateKeyPairSync('ed25519').privateKey;
  const rogueManifest = await publishAdapter({ adapterFile: blobs.path(published[0]!.blob), id: 'rogue-1', privateKey: rogue });
  await cloud.addAdapter('h1', 'rogue-1', rogueManifest, published[0]!.blob);

  writeFileSync(
    join(dir, 'gold.jsonl'),
    JSON.stringify({ instruction: 'x', task_nodes: [{ task: 'last_seen', arguments: { person: 'Bob' } }] }) + '\n',
  );
  const { app, labeler } = buildCloudApp({
    store: cloud,
    teacher: new OracleReplayTeacher(join(dir, 'gold.jsonl')),
    blobs,
    enrollmentSecret: 'e',
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(async () => {
    await app.close();
    await labeler.drain();
  });
  await cloud.enroll('dev', 'h1', 'tok');
  await cloud.enroll('dev2', 'h2', 'tok2');
  t.same(await new HttpTeacherClient({ baseUrl: url, token: 'tok2' }).adapterManifest(), [], 'another household sees no adapters');

  const store = await AdapterStore.open({ dir: join(dir, 'edge', 'adapters'), keep: 2, trustedKeys: [keys.publicKey] });
  const runtime = await LlamaAdapterRuntime.load({ modelPath: BASE_MODEL, threads: 1, contextSize: 512 });
  t.teardown(() => runtime.dispose());
  const lifecycle = new AdapterLifecycle({
    store,
    runtime,
    evaluator: new NllEvaluator(),
    trustedKeys: [keys.publicKey],
    policy: { margin: 0.05, regressionTolerance: 0 },
  });
  const sets = { heldout: data.heldoutSamples.slice(0, 8), regression: data.regressionSamples.slice(0, 8) };
  const client = new HttpTeacherClient({ baseUrl: url, token: 'tok' });
  const e = makeEdge(join(dir, 'edge'), client);
  t.teardown(() => e.store.close());
  const { LearningEdge } = await import('../../daemon/learning/index.js');
  const edge = new LearningEdge({ ...e.edge['o'], adapters: lifecycleSink(lifecycle, store, () => sets) });
  const decisions = await edge.pullAdapters();
  for (const d of decisions) t.comment(`${d.kind} ${d.id} [${d.stage}${d.code === undefined ? '' : ' ' + d.code}]: ${d.reason}`);
  const mine = decisions.find((d) => d.id === job.id)!;
  t.equal(mine.kind, 'adopt', mine.reason);
  t.ok((mine.heldout?.delta ?? 0) > 0.05, 'it beat the bare base model on the device held-out set by the margin');
  t.equal(store.active()?.id, job.id, 'the adapter is active');
  const bad = decisions.find((d) => d.id === 'rogue-1')!;
  t.equal(bad.kind, 'reject');
  t.match(bad.stage, /manifest|verify/);
  t.same(await edge.pullAdapters(), [], 'decided adapters are not fetched again');
  const audit = await e.audit.read();
  t.same(
    audit
      .filter((a) => a.kind === 'adapter')
      .map((a) => a.ids[0])
      .sort(),
    [job.id, 'rogue-1'].sort(),
  );
});
