import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import {
  createToolImpls,
  householdInfo,
  memoryEvents,
  memoryLongTerm,
  resolveTimePhrase,
  type ToolRunContext,
} from '../../daemon/agent/index.js';
import { loadConfig, type HomeSightConfig } from '../../daemon/config/index.js';
import { startsAfter, type ModuleContext } from '../../daemon/context.js';
import type { HomeSightEvents } from '../../daemon/contracts/index.js';
import { MemoryModule, newEventId, type HomeEvent } from '../../daemon/memory/index.js';
import { McpModule } from '../../daemon/mcp/index.js';
import { MODULES } from '../../daemon/modules.js';
import { EventBus, LogHub, ServiceContainer, systemClock, formatIsoInZone } from '../../daemon/system/index.js';
import { pct } from '../support/stats.js';
import type { Bench, BenchContext, BenchResult } from '../types.js';
import { prng } from '../memory/synthetic.js';

/**
 * MCP tool-call round trip for the store-backed tools, on the embedded default config (its household and cameras)
 * with MCP enabled: the SDK's own client calls the daemon's Streamable HTTP endpoint (bearer token, one HTTP request
 * per call) and `homesight mcp` over stdio (a subprocess reading the same database read only), against the same
 * tool implementations called in-process with no MCP at all (the bare cost of the query). The store holds two weeks
 * of synthetic events on the default's two cameras; the calls ask about today.
 */

const TOKEN = 'bench-token-5f0c2a9e';
const BIN = fileURLToPath(new URL('../../bin/homesight.js', import.meta.url));
const DAY_MS = 86_400_000;

const r2 = (x: number): number => Math.round(x * 100) / 100;

/** Two weeks on the default's cameras: a person event every ~40 s by day, Barack in a third of them. */
function syntheticEvents(now: number, snapshots: string[]): HomeEvent[] {
  const rand = prng(20);
  const out: HomeEvent[] = [];
  const activities = ['walking', 'standing', 'sitting', null];
  for (let t = now - 14 * DAY_MS; t < now - 60_000; t += 20_000 + Math.floor(rand() * 40_000)) {
    const hour = new Date(t).getUTCHours();
    if (hour < 6 || hour > 21) continue;
    const camera = rand() < 0.6 ? 'demo' : 'entrance';
    const identity = rand() < 0.33 ? 'Barack' : null;
    out.push({
      id: newEventId(t),
      camera,
      kind: identity === null ? 'person' : 'identity',
      label: 'person',
      track_id: null,
      identity,
      activity: activities[Math.floor(rand() * activities.length)] ?? null,
      start: t,
      end: t + 2000 + Math.floor(rand() * 60_000),
      confidence: 0.6 + rand() * 0.4,
      box: [0.1, 0.2, 0.2, 0.5],
      zones: [],
      snapshot: rand() < 0.05 ? snapshots[Math.floor(rand() * snapshots.length)]! : null,
      attributes: {},
    });
  }
  return out;
}

/** A person crop the size vision writes (~30 KB): a JPEG header and random bytes are enough to carry. */
function writeSnapshots(dataDir: string, n: number): string[] {
  const dir = join(dataDir, 'snapshots', 'demo', 'bench');
  mkdirSync(dir, { recursive: true });
  const rand = prng(5);
  return Array.from({ length: n }, (_, i) => {
    const bytes = Buffer.alloc(30_000);
    for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(rand() * 256);
    bytes[0] = 0xff;
    bytes[1] = 0xd8;
    const rel = join('snapshots', 'demo', 'bench', `s${i}.jpg`);
    writeFileSync(join(dataDir, rel), bytes);
    return rel;
  });
}

/** Grouped bars per tool: p50 (solid) and p95 (light) per transport, with the 50 ms target line. */
function plotSvg(tools: string[], series: Array<{ name: string; color: string; p50: number[]; p95: number[] }>): string {
  const W = 900;
  const H = 360;
  const left = 50;
  const bottom = 300;
  const top = 30;
  const max = Math.max(60, ...series.flatMap((s) => s.p95));
  const y = (v: number): number => bottom - ((bottom - top) * Math.min(v, max)) / max;
  const group = (W - left - 20) / tools.length;
  const bar = (group - 10) / series.length;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${left}" y="18" font-size="13">MCP tool-call round trip, ms (p50 solid, p95 light)</text>`,
    `<line x1="${left}" y1="${bottom}" x2="${W - 10}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${left}" y1="${y(50)}" x2="${W - 10}" y2="${y(50)}" stroke="#c00" stroke-dasharray="4 3"/>`,
    `<text x="${W - 90}" y="${y(50) - 4}" fill="#c00">target 50 ms</text>`,
  ];
  for (let v = 0; v <= max; v += 20) out.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
  tools.forEach((tool, i) => {
    const x0 = left + 5 + i * group;
    series.forEach((s, k) => {
      const x = x0 + k * bar;
      out.push(
        `<rect x="${x}" y="${y(s.p95[i]!)}" width="${bar - 2}" height="${bottom - y(s.p95[i]!)}" fill="${s.color}" opacity="0.35"/>`,
      );
      out.push(`<rect x="${x}" y="${y(s.p50[i]!)}" width="${bar - 2}" height="${bottom - y(s.p50[i]!)}" fill="${s.color}"/>`);
    });
    out.push(`<text x="${x0 + (group - 10) / 2}" y="${bottom + 14}" text-anchor="middle">${tool}</text>`);
  });
  series.forEach((s, k) => {
    out.push(`<rect x="${left + k * 110}" y="${H - 22}" width="12" height="12" fill="${s.color}"/>`);
    out.push(`<text x="${left + k * 110 + 16}" y="${H - 12}">${s.name}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

interface Call {
  name: string;
  arguments: Record<string, unknown>;
}

export const mcpBench: Bench = {
  name: 'mcp',
  description: 'MCP tool-call round trip (Streamable HTTP and stdio) for the store-backed tools, against the tools called in-process',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const rounds = ctx.quick ? 20 : 100;
    const dataDir = join(ctx.workDir, 'data');
    const tokenFile = join(ctx.workDir, 'mcp.token');
    writeFileSync(tokenFile, TOKEN);
    // The embedded default with MCP on, as the environment would switch it on.
    const env: Record<string, string> = {
      HOMESIGHT_PATHS__DATA_DIR: dataDir,
      HOMESIGHT_PATHS__CACHE_DIR: join(ctx.workDir, 'cache'),
      HOMESIGHT_PATHS__MODELS_DIR: join(ctx.sharedDir, 'models'),
      HOMESIGHT_PATHS__MEDIA_DIR: join(ctx.sharedDir, 'media'),
      HOMESIGHT_MCP__ENABLED: 'true',
      HOMESIGHT_MCP__PORT: '0',
      HOMESIGHT_MCP__TOKEN_FILE: tokenFile,
      HOMESIGHT_AGENT__PLANNER: 'retrieval',
      HOMESIGHT_LOG__LEVEL: 'warn',
    };
    const config: HomeSightConfig = loadConfig({ env }).config;
    const logs = new LogHub({ level: 'warn', pretty: false, destination: process.stderr });
    const log = logs.child({ module: 'bench' });
    const bus = new EventBus<HomeSightEvents>(() => undefined);
    const container = new ServiceContainer({ log, clock: systemClock, stopTimeoutMs: 5000, startTimeoutMs: 60_000, probeTimeoutMs: 1000 });
    const mctx: ModuleContext = { config, logs, log, clock: systemClock, bus, metrics: new Registry(), container, env, dependsOn: [] };
    // memory, agent and mcp: the cameras, vision and MQTT of the default add load but nothing to a tool call.
    for (const def of MODULES.filter((m) => ['memory', 'agent', 'mcp'].includes(m.name))) {
      container.register(await def.create({ ...mctx, log: log.child({ module: def.name }), dependsOn: startsAfter(def, container) }));
    }
    const started = await container.startAll();
    if (started.failed.length > 0) throw new Error(`modules failed: ${started.failed.join(', ')}`);
    const clients: Client[] = [];
    try {
      const store = container.find('memory', MemoryModule)!.store;
      const now = Date.now();
      const events = syntheticEvents(now, writeSnapshots(dataDir, 8));
      store.cameras.sync(Object.entries(config.cameras).map(([name, c]) => ({ name, room: c.room ?? null })));
      for (let i = 0; i < events.length; i += 5000) store.events.upsertMany(events.slice(i, i + 5000));
      store.events.flush();
      for (const fact of ['the spare key is under the blue pot', 'the cleaner comes on Fridays', 'Barack likes tea']) {
        await store.longTerm.remember({ kind: 'fact', text: fact });
      }
      ctx.progress(`seeded ${events.length} events`, 0.1);

      const tz = config.household.timezone;
      const today = formatIsoInZone(now, tz).slice(0, 10);
      const span = resolveTimePhrase('today', now, tz);
      const day = { start: formatIsoInZone(span.startMs, tz), end: formatIsoInZone(span.endMs, tz) };
      const recent = events.filter((e) => e.snapshot !== null).slice(-3);
      const calls: Call[] = [
        { name: 'resolve_time', arguments: { phrase: 'yesterday evening' } },
        { name: 'query_events', arguments: { ...day, limit: 100 } },
        { name: 'who_was_where', arguments: day },
        { name: 'last_seen', arguments: { person: 'Barack' } },
        { name: 'activity_timeline', arguments: { person: 'Barack', day: today } },
        { name: 'count_events', arguments: { ...day, camera: 'demo' } },
        { name: 'aggregate', arguments: { ...day, group_by: 'identity', metric: 'count' } },
        { name: 'recall_memory', arguments: { query: 'spare key' } },
        {
          name: 'get_snapshot',
          arguments: {
            events: {
              events: recent.map((e) => ({ id: e.id, camera: e.camera, start: formatIsoInZone(e.start, tz), snapshot: e.snapshot })),
            },
          },
        },
      ];

      // Bare: the same implementations in this process, no MCP, no transport.
      const impls = createToolImpls();
      const deps = { events: memoryEvents(() => store), longTerm: memoryLongTerm(() => store) };
      const household = householdInfo(config);
      const bare = async (c: Call): Promise<void> => {
        const runCtx: ToolRunContext = {
          deps,
          household,
          now: Date.now(),
          question: '',
          signal: new AbortController().signal,
          allowTools: [],
          hubTopics: [],
          refs: new Map(),
          visionCache: new Map(),
          frameStore: new Map(),
          ranges: [],
        };
        await (impls[c.name as keyof typeof impls] as (a: unknown, x: ToolRunContext) => Promise<unknown>)(c.arguments, runCtx);
      };

      const mcpUrl = container.find('mcp', McpModule)!.endpointUrl!;
      const http = new Client({ name: 'bench-http', version: '1' });
      await http.connect(
        new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }),
      );
      clients.push(http);
      const stdio = new Client({ name: 'bench-stdio', version: '1' });
      // `homesight mcp` on the same environment: the embedded default with the bench's paths.
      const childEnv = Object.fromEntries(
        Object.entries({ ...process.env, ...env, HOMESIGHT_CONFIG: '' }).filter((e): e is [string, string] => e[1] !== undefined),
      );
      await stdio.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], env: childEnv, stderr: 'inherit' }));
      clients.push(stdio);
      ctx.progress('clients connected', 0.2);

      const viaMcp = (client: Client) => async (c: Call) => {
        const r = await client.callTool(c);
        if (r.isError === true) throw new Error(`${c.name}: ${JSON.stringify(r.content)}`);
      };
      const ways: Record<'bare' | 'http' | 'stdio', (c: Call) => Promise<void>> = {
        bare,
        http: viaMcp(http),
        stdio: viaMcp(stdio),
      };
      const samples: Record<string, Record<string, number[]>> = { bare: {}, http: {}, stdio: {} };
      // CPU time of this process per call (user + system): for http it holds client and server, for bare the query;
      // what a loaded machine distorts least. The stdio subprocess's CPU is not in it.
      const cpu: Record<string, number[]> = { bare: [], http: [], stdio: [] };
      // Warm-up (JIT, statement caches, connections), then rounds interleaved so load drifts hit all three alike.
      for (const way of Object.values(ways)) for (const c of calls) await way(c);
      const loadStart = loadavg();
      for (let round = 0; round < rounds; round++) {
        for (const [name, way] of Object.entries(ways)) {
          for (const c of calls) {
            const c0 = process.cpuUsage();
            const t0 = performance.now();
            await way(c);
            ((samples[name]![c.name] ??= []) as number[]).push(performance.now() - t0);
            const used = process.cpuUsage(c0);
            cpu[name]!.push((used.user + used.system) / 1000);
          }
        }
        if (round % 10 === 0) ctx.progress(`round ${round}/${rounds}`, 0.2 + (0.8 * round) / rounds);
      }
      const loadEnd = loadavg();

      const all = (way: string): number[] => Object.values(samples[way]!).flat();
      const metrics: BenchResult['metrics'] = {
        events: events.length,
        rounds,
        calls_per_transport: all('http').length,
        load_avg_1m_start: r2(loadStart[0]!),
        load_avg_1m_end: r2(loadEnd[0]!),
      };
      for (const way of ['http', 'stdio', 'bare']) {
        metrics[`${way}_p50_ms`] = r2(pct(all(way), 50));
        metrics[`${way}_p95_ms`] = r2(pct(all(way), 95));
      }
      for (const way of ['http', 'bare']) {
        metrics[`${way}_cpu_p50_ms`] = r2(pct(cpu[way]!, 50));
        metrics[`${way}_cpu_p95_ms`] = r2(pct(cpu[way]!, 95));
      }
      const rows: string[] = [];
      for (const c of calls) {
        const row = ['http', 'stdio', 'bare'].map((w) => samples[w]![c.name]!);
        for (const [i, w] of ['http', 'stdio', 'bare'].entries()) metrics[`${c.name}_${w}_p95_ms`] = r2(pct(row[i]!, 95));
        const cells = row.map((xs) => `${r2(pct(xs, 50))} / ${r2(pct(xs, 95))}`).join(' | ');
        rows.push(`| ${c.name} | ${cells} | ${r2(pct(row[0]!, 95) / Math.max(pct(row[2]!, 95), 0.001))} |`);
      }
      const ratios = {
        http_p95_vs_bare_p95: r2(Number(metrics.http_p95_ms) / Number(metrics.bare_p95_ms)),
        stdio_p95_vs_bare_p95: r2(Number(metrics.stdio_p95_ms) / Number(metrics.bare_p95_ms)),
        http_p50_vs_bare_p50: r2(Number(metrics.http_p50_ms) / Number(metrics.bare_p50_ms)),
        http_cpu_p50_vs_bare_cpu_p50: r2(Number(metrics.http_cpu_p50_ms) / Number(metrics.bare_cpu_p50_ms)),
      };
      const colors: Record<string, string> = { http: '#1f77b4', stdio: '#2ca02c', bare: '#7f7f7f' };
      writeFileSync(
        join(ctx.resultsDir, 'mcp.svg'),
        plotSvg(
          calls.map((c) => c.name),
          ['http', 'stdio', 'bare'].map((w) => ({
            name: w,
            color: colors[w]!,
            p50: calls.map((c) => r2(pct(samples[w]![c.name]!, 50))),
            p95: calls.map((c) => r2(pct(samples[w]![c.name]!, 95))),
          })),
        ),
      );
      writeFileSync(
        join(ctx.resultsDir, 'mcp.md'),
        [
          '# MCP tool-call round trip (issue #20)',
          '',
          '`npm run bench -- mcp` (bench/mcp). The embedded default config with `mcp.enabled` (its household and two cameras),',
          `two weeks of synthetic events (${events.length}) in its store; the calls ask about today. **http**: the SDK client against`,
          "the daemon's Streamable HTTP endpoint (bearer token, one HTTP request per call, stateless). **stdio**: the SDK client",
          'against `homesight mcp` (a subprocess reading the same database read only). **bare**: the same tool implementations',
          `called in this process without MCP. ${rounds} interleaved rounds of every call; times in ms, p50 / p95.`,
          '',
          `- load average (1 min) at start ${r2(loadStart[0]!)}, at end ${r2(loadEnd[0]!)} (2 cores shared with other work)`,
          `- all store-backed calls: http p95 **${metrics.http_p95_ms} ms**, stdio p95 **${metrics.stdio_p95_ms} ms** (target ≤ 50 ms), ` +
            `bare p95 ${metrics.bare_p95_ms} ms; http/bare p95 ratio ${ratios.http_p95_vs_bare_p95}`,
          `- CPU time per call in the bench process (client and server for http): http p50 ${metrics.http_cpu_p50_ms} ms / ` +
            `p95 ${metrics.http_cpu_p95_ms} ms, bare p50 ${metrics.bare_cpu_p50_ms} ms / p95 ${metrics.bare_cpu_p95_ms} ms ` +
            '(wall times on a machine this loaded are mostly waiting for a core)',
          '',
          '![p50 and p95 per tool and transport](mcp.svg)',
          '',
          '| tool | http | stdio | bare | http p95 / bare p95 |',
          '|---|---|---|---|---|',
          ...rows,
          '',
          'get_snapshot carries three ~30 KB JPEGs as base64 image content.',
          '',
        ].join('\n'),
      );
      return {
        metrics,
        ratios,
        targets: [
          { key: 'http_p95_ms', op: '<=', value: 50 },
          { key: 'stdio_p95_ms', op: '<=', value: 50 },
        ],
        notes: [`load average 1 min: ${r2(loadStart[0]!)} at start, ${r2(loadEnd[0]!)} at end`],
      };
    } finally {
      for (const c of clients) await c.close().catch(() => undefined);
      await container.stopAll();
    }
  },
};
