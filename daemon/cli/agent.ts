import { existsSync } from 'node:fs';
import { EXIT, HomeSightError, LogHub, errorMessage, systemClock } from '../system/index.js';
import type { CliCommand } from './command.js';
import { loadCliConfig } from './common.js';
import { daemonClient, replyErrorLine } from './daemon-client.js';

const options = {
  config: { type: 'string', short: 'c' },
  url: { type: 'string' },
  conversation: { type: 'string' },
  now: { type: 'string' },
  planner: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  timeout: { type: 'string' },
} as const;

/** `--now ISO`: the instant a question is replayed at (epoch ms); null when absent, an error message when unreadable. */
function replayInstant(value: unknown): { ms: number; iso: string } | null | string {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) || !Number.isFinite(ms))
    return `--now wants an ISO 8601 instant with an offset (2026-05-04T19:30:00+02:00), not "${value}"`;
  return { ms, iso: value };
}

interface Printed {
  answer?: string;
  plan?: unknown;
  planner?: string;
  evidence?: Array<{
    event: { camera: string; start: string; identity: string | null; activity: string | null } | null;
    snapshot: string | null;
    clip: string | null;
  }>;
  timings?: Record<string, number>;
  notes?: string[];
}

async function overMqtt(
  values: Record<string, string | boolean | string[] | undefined>,
  positionals: string[],
  plan: boolean,
): Promise<number> {
  const question = positionals.join(' ').trim();
  if (question === '') {
    process.stderr.write(
      `usage: homesight ${plan ? 'plan' : 'ask'} "question" [--config FILE] [--url mqtt://host:port] ` +
        `[--conversation ID] [--now ISO] [--planner local|cloud|retrieval] [--json]\n`,
    );
    return EXIT.USAGE;
  }
  const replay = replayInstant(values.now);
  if (typeof replay === 'string') {
    process.stderr.write(`homesight: ${replay}\n`);
    return EXIT.USAGE;
  }
  const daemon = await daemonClient(values);
  if (typeof daemon === 'number') return daemon;
  const { client } = daemon;
  const quiet = values.quiet === true || values.json === true;
  const fields: { conversation_id?: string; options?: Record<string, unknown>; now?: string } = {};
  if (typeof values.conversation === 'string') fields.conversation_id = values.conversation;
  if (replay !== null) fields.now = replay.iso;
  if (typeof values.planner === 'string') fields.options = { planner: values.planner };
  const timeoutMs = typeof values.timeout === 'string' ? Number(values.timeout) * 1000 : 180_000;
  const ac = new AbortController();
  const onSig = (): void => ac.abort();
  process.once('SIGINT', onSig);
  try {
    const env = await client.ask(question, fields, {
      plan,
      timeoutMs,
      signal: ac.signal,
      onProgress: (d) => {
        if (quiet) return;
        const p = d as { stage?: string; task?: string; status?: string; planner?: string; nodes?: number };
        if (p.stage === 'planned') process.stderr.write(`… planned with ${p.planner} (${p.nodes} steps)\n`);
        else if (p.stage === 'node' && p.status !== 'running') process.stderr.write(`… ${p.task}: ${p.status}\n`);
      },
    });
    if (env.status === 'error') {
      if (values.json === true) process.stdout.write(JSON.stringify(env, null, 2) + '\n');
      else process.stderr.write(`homesight: ${replyErrorLine(env.error)}\n`);
      return EXIT.FAILURE;
    }
    const d = (env.data ?? {}) as Printed;
    if (values.json === true) process.stdout.write(JSON.stringify(d, null, 2) + '\n');
    else if (plan) process.stdout.write(JSON.stringify(d.plan, null, 2) + `\n(planner: ${d.planner})\n`);
    else {
      process.stdout.write(`${d.answer ?? ''}\n`);
      for (const e of d.evidence ?? []) {
        const ev = e.event;
        const what =
          ev === null
            ? ''
            : `${ev.start} ${ev.camera}${ev.identity !== null ? ` ${ev.identity}` : ''}${ev.activity !== null ? ` (${ev.activity})` : ''}`;
        const files = [e.snapshot, e.clip].filter((x): x is string => x !== null).join(' ');
        process.stdout.write(`  evidence: ${what}${files !== '' ? ` ${files}` : ''}\n`);
      }
      if (!quiet) process.stderr.write(`(planner: ${d.planner}; ${d.timings?.total_ms ?? '?'} ms)\n`);
    }
    return EXIT.OK;
  } catch (err) {
    process.stderr.write(
      `homesight: ${errorMessage(err)}${err instanceof HomeSightError && err.hint !== undefined ? ` (${err.hint})` : ''}\n`,
    );
    return EXIT.UNAVAILABLE;
  } finally {
    process.removeListener('SIGINT', onSig);
    await client.close();
  }
}

/** `homesight plan --local`: plans in this process (no daemon): local GGUF, else retrieval. */
async function planLocally(values: Record<string, string | boolean | string[] | undefined>, positionals: string[]): Promise<number> {
  const question = positionals.join(' ').trim();
  if (question === '') {
    process.stderr.write('usage: homesight plan --local "question" [--now ISO] [--conversation ID]\n');
    return EXIT.USAGE;
  }
  const replay = replayInstant(values.now);
  if (typeof replay === 'string') {
    process.stderr.write(`homesight plan: ${replay}\n`);
    return EXIT.USAGE;
  }
  const loaded = loadCliConfig(values.config);
  if (typeof loaded === 'number') return loaded;
  const cfg = loaded.config;
  const { AgentService, RetrievalPlanner, localPlannerFor, cloudPlannerFor, householdInfo, memoryConversations } = await import(
    '../agent/index.js'
  );
  const logs = new LogHub({ level: values.quiet === true ? 'fatal' : 'warn', pretty: 'auto', destination: process.stderr });
  const log = logs.child({ module: 'agent' });
  const local = cfg.agent.planner === 'retrieval' ? undefined : localPlannerFor(cfg, log);
  const cloud = cloudPlannerFor(cfg);
  const planners: ConstructorParameters<typeof AgentService>[0]['planners'] = { retrieval: new RetrievalPlanner() };
  if (local !== undefined) planners.local = local;
  if (cloud !== undefined) planners.cloud = cloud;
  // --conversation: the follow-up is planned against the turns the daemon stored (its memory database).
  let memory: import('../memory/index.js').MemoryStore | null = null;
  const deps: ConstructorParameters<typeof AgentService>[0]['deps'] = {};
  if (typeof values.conversation === 'string') {
    const { MemoryStore, memoryDbPath } = await import('../memory/index.js');
    const file = memoryDbPath(cfg);
    if (!existsSync(file)) {
      process.stderr.write(`homesight plan: --conversation needs the daemon's memory database, and ${file} does not exist\n`);
      return EXIT.NOINPUT;
    }
    memory = new MemoryStore({ file, log, clock: systemClock, integrityCheck: 'off' });
    const store = memory;
    deps.conversations = memoryConversations(() => store);
  }
  const svc = new AgentService({
    agent: cfg.agent,
    householdId: cfg.household.id,
    household: householdInfo(cfg),
    deps,
    planners,
    clock: systemClock,
    log,
  });
  try {
    const req: Parameters<typeof svc.plan>[0] = { question };
    if (replay !== null) req.now = replay.ms;
    if (typeof values.conversation === 'string') req.conversationId = values.conversation;
    if (typeof values.planner === 'string') req.options = { planner: values.planner as 'local' | 'cloud' | 'retrieval' };
    const r = await svc.plan(req);
    if (values.json === true)
      process.stdout.write(
        JSON.stringify(
          { plan: r.plan, planner: r.planner, attempts: r.attempts, notes: r.notes, dropped: r.result.dropped ?? [] },
          null,
          2,
        ) + '\n',
      );
    else {
      process.stdout.write(JSON.stringify(r.plan, null, 2) + '\n');
      process.stderr.write(
        `(planner: ${r.planner}; ${Math.round(r.result.latencyMs)} ms${r.notes.length > 0 ? `; ${r.notes.join('; ')}` : ''})\n`,
      );
    }
    return EXIT.OK;
  } catch (err) {
    process.stderr.write(`homesight plan: ${errorMessage(err)}\n`);
    return EXIT.FAILURE;
  } finally {
    await local?.dispose();
    memory?.close();
  }
}

export const askCommand: CliCommand = {
  name: 'ask',
  usage:
    'ask "question" [--config FILE] [--url mqtt://host:port] [--conversation ID] [--now ISO] [--planner local|cloud|retrieval] ' +
    '[--json] [--timeout S]',
  summary: 'ask the running daemon a question over MQTT (agent/ask) and print the answer with evidence',
  options,
  run: (values, positionals) => overMqtt(values, positionals, false),
};

export const planCommand: CliCommand = {
  name: 'plan',
  usage:
    'plan "question" [--local] [--config FILE] [--url mqtt://host:port] [--conversation ID] [--now ISO] ' +
    '[--planner local|cloud|retrieval] [--json]',
  summary: 'print the plan for a question without executing it (from the daemon, or --local in this process)',
  options: { ...options, local: { type: 'boolean' } },
  run: (values, positionals) => (values.local === true ? planLocally(values, positionals) : overMqtt(values, positionals, true)),
};

export const agentCommands: CliCommand[] = [askCommand, planCommand];
