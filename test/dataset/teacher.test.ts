import t from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { validatePlan } from '../../daemon/agent/index.js';
import {
  buildDataset,
  extractJson,
  householdAt,
  HOUSEHOLDS,
  isRefusal,
  validationContext,
  type Sample,
} from '../../bench/datasets/index.js';
import { refusalIssuesTolerated } from '../../bench/datasets/refusal.js';

/**
 * A small OpenAI-compatible server standing in for the teacher LLM. For each
 * request it returns four rewrites: one good (the correct plan it was shown),
 * one with a tool that does not exist, one whose plan uses other tools, and one
 * that repeats the original wording. Every third request fails with HTTP 500.
 */
interface Fake {
  url: string;
  requests: Array<{ auth: string | undefined; body: { model: string; messages: Array<{ role: string; content: string }> } }>;
  close(): Promise<void>;
}

async function fakeTeacher(): Promise<Fake> {
  const requests: Fake['requests'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(data) as Fake['requests'][number]['body'];
      requests.push({ auth: req.headers.authorization, body });
      if (requests.length % 3 === 0) {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"overloaded"}');
        return;
      }
      const user = body.messages.find((m) => m.role === 'user')!.content;
      const original = JSON.parse(/Request: (".*")/.exec(user)![1]!) as string;
      const gold = JSON.parse(/A correct plan for it: (\{.*\})/.exec(user)![1]!) as {
        task_nodes: Array<{ task: string; arguments: Record<string, unknown> }>;
      };
      const goldTools = gold.task_nodes
        .map((n) => n.task)
        .sort()
        .join(',');
      const other =
        goldTools === 'remember'
          ? {
              task_nodes: [
                { task: 'recall_memory', arguments: { query: 'keys' } },
                { task: 'compose_answer', arguments: { question: 'x', inputs: ['<node-0>'] } },
              ],
            }
          : { task_nodes: [{ task: 'remember', arguments: { fact: 'the teacher got it wrong' } }] };
      const content = {
        paraphrases: [
          {
            instruction: `${original.replace(/[?.!]*$/, '')}, if you can tell me`,
            plan: { task_steps: gold.task_nodes.map((n, i) => `Step ${i + 1}: ${n.task}`), task_nodes: gold.task_nodes, task_links: [] },
          },
          { instruction: `Bad tool: ${original}`, plan: { task_nodes: [{ task: 'unlock_front_door', arguments: {} }] } },
          { instruction: `Other tools: ${original}`, plan: other },
          { instruction: original, plan: { task_nodes: gold.task_nodes } },
        ],
      };
      // the reply wraps the JSON in a code fence, as chat models often do
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: '```json\n' + JSON.stringify(content) + '\n```' } }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/v1`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

const dirs: string[] = [];
t.teardown(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

t.test('teacher paraphrases are kept only when their plans validate and agree', async (t) => {
  const fake = await fakeTeacher();
  t.teardown(() => fake.close());
  const out = mkdtempSync(join(tmpdir(), 'hs-q2a-teacher-'));
  dirs.push(out);
  const r = await buildDataset({
    seed: 4,
    perRound: 6,
    households: 5,
    out,
    activityOut: null,
    teacher: { url: fake.url, model: 'fake-teacher', apiKey: 'sk-test', maxAsks: 9, perAsk: 4, concurrency: 2 },
  });
  t.equal(fake.requests.length, 9, 'one request per chosen ask');
  t.ok(fake.requests.every((q) => q.auth === 'Bearer sk-test' && q.body.model === 'fake-teacher'));
  t.match(fake.requests[0]!.body.messages[0]!.content, /compose_answer/, 'the teacher is shown the catalog');
  const ts = r.stats.teacher;
  t.same(ts, { endpoint: fake.url, requested: 9, returned: 24, kept: 6, rejected_invalid: 6, rejected_disagree: 6, rejected_duplicate: 6 });
  const lines = readFileSync(join(out, 'q2a.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Sample);
  const kept = lines.filter((s) => /-t\d+$/.test(s.id));
  t.equal(kept.length, 6);
  t.equal(r.stats.by_source.teacher, 6);
  const byId = new Map(lines.map((s) => [s.id, s]));
  for (const s of kept) {
    const src = byId.get(s.id.replace(/-t\d+$/, ''))!;
    t.ok(src !== undefined, `${s.id} follows its source`);
    t.equal(s.split, src.split, 'a paraphrase stays in its source split');
    t.match(s.instruction, /if you can tell me$/);
    t.not(s.instruction, src.instruction);
    const h = householdAt(HOUSEHOLDS.find((x) => x.id === s.household)!, s.round);
    const issues = validatePlan(s, validationContext(h));
    t.ok(isRefusal(s) ? refusalIssuesTolerated(issues) : issues.length === 0, `${s.id} validates`);
    for (const n of s.task_nodes) if (n.task === 'compose_answer') t.equal(n.arguments.question, s.instruction);
  }
  t.equal(readFileSync(join(out, 'stats.md'), 'utf8').includes('6 kept of 24 returned'), true);
});

t.test('JSON is found in fenced or chatty replies', async (t) => {
  t.same(extractJson('Sure!\n```json\n{"a": 1}\n```\nanything else?'), { a: 1 });
  t.same(extractJson('here: {"b": [1, 2]} done'), { b: [1, 2] });
  t.throws(() => extractJson('no json at all'));
});

t.test('the CLI builds with a teacher, and rejects bad options', async (t) => {
  const fake = await fakeTeacher();
  t.teardown(() => fake.close());
  const out = mkdtempSync(join(tmpdir(), 'hs-q2a-cli-'));
  dirs.push(out);
  const bin = new URL('../../bin/homesight.js', import.meta.url).pathname;
  const run = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      p.on('error', reject);
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const ok = await run([
    'dataset',
    'build',
    '--seed',
    '2',
    '--households',
    '5',
    '--per-round',
    '5',
    '--out',
    out,
    '--activity-out',
    join(out, 'act'),
    '--teacher',
    fake.url,
    '--teacher-asks',
    '2',
  ]);
  t.equal(ok.code, 0, ok.stderr);
  t.match(
    ok.stdout,
    new RegExp(
      /wrote \d+ samples \(train \d+, val \d+, test \d+; single \d+, chain \d+, dag \d+\) to .*; /.source +
        /48 synthetic activity sequences .*; teacher kept 2\/8/.source,
    ),
  );
  t.equal(fake.requests.length, 2);
  t.ok(readFileSync(join(out, 'act', 'synthetic_keypoints.jsonl'), 'utf8').split('\n').length > 48);
  const r = await run(['dataset', 'build', '--out', join(out, 'x'), '--nope']);
  t.equal(r.code, 64, 'unknown option → usage error');
  t.match(r.stderr, /usage: homesight dataset build/);
  // option values are checked by the command itself (in-process: no extra node start-up)
  const { datasetBuildCommand } = await import('../../bench/cli/dataset.js');
  const write = process.stderr.write.bind(process.stderr);
  let said = '';
  process.stderr.write = ((c: string | Uint8Array) => ((said += String(c)), true)) as typeof process.stderr.write;
  try {
    t.equal(await datasetBuildCommand.run({ out: join(out, 'x'), households: '9' }, []), 64, '--households 9 → usage error');
    t.equal(await datasetBuildCommand.run({ out: join(out, 'x'), seed: 'abc' }, []), 64, '--seed abc → usage error');
    t.equal(
      await datasetBuildCommand.run({ out: join(out, 'x'), 'no-activity': true, 'pose-clip': true }, []),
      64,
      '--pose-clip needs the activity folder',
    );
  } finally {
    process.stderr.write = write;
  }
  t.match(said, /--households must be 1\.\.6[\s\S]*--seed must be a whole number[\s\S]*--pose-clip writes to the activity folder/);
});
