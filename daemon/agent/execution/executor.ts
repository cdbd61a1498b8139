import { HomeSightError, asHomeSightError, silentLogger, type Clock, type Logger } from '../../system/index.js';
import {
  getTool,
  linkEdges,
  refIndex,
  stripNulls,
  validatePlan,
  type OutputKind,
  type PlanIssue,
  type ToolName,
  namedArguments,
  type TaskPlan,
} from '../catalog/index.js';
import type { AgentDeps, FrameData, FrameResult, HouseholdInfo } from './ports.js';
import type { ResolvedRange } from '../planning/index.js';
import { createToolImpls, type ToolImpls, type ToolRunContext } from './tool-impls.js';

export type NodeStatus = 'ok' | 'error' | 'skipped' | 'cancelled';

/** One node's run, kept with the answer. */
export interface TraceEntry {
  node: number;
  task: string;
  /** Arguments as the plan wrote them (references stay "<node-j>"). */
  arguments: Record<string, unknown>;
  /** Resolved inputs, summarised. */
  inputs: string;
  status: NodeStatus;
  /** Output, summarised (no pixel data). */
  output?: string;
  error?: { code: string; message: string };
  /** Offset from the start of the run, ms. */
  startMs: number;
  ms: number;
}

export interface NodeError {
  node: number;
  task: string;
  code: string;
  message: string;
}

export interface ExecutionResult {
  outputs: unknown[];
  kinds: Array<OutputKind | null>;
  trace: TraceEntry[];
  errors: NodeError[];
  /** Time ranges resolved in this run. */
  ranges: ResolvedRange[];
  cancelled: boolean;
  ms: number;
}

export interface ExecuteContext {
  deps: AgentDeps;
  household: HouseholdInfo;
  now: number;
  question: string;
  allowTools: readonly string[];
  hubTopics: readonly string[];
  previousRange?: ResolvedRange;
  signal?: AbortSignal;
  onNode?: (e: { node: number; task: string; status: NodeStatus | 'running'; ms?: number; error?: string }) => void;
}

export interface ExecutorOptions {
  impls?: ToolImpls;
  nodeTimeoutMs: number;
  clock?: Clock;
  log?: Logger;
}

/** Short, bounded text for traces: arrays as counts, buffers as sizes. */
export function summarize(value: unknown, max = 240): string {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== 'object') return typeof v === 'string' && v.length > 80 ? `${v.slice(0, 77)}...` : v;
    if (Buffer.isBuffer(v) || ArrayBuffer.isView(v)) return `<${(v as ArrayBufferView).byteLength} bytes>`;
    if (seen.has(v)) return '<cycle>';
    seen.add(v);
    if (Array.isArray(v)) {
      if (v.length === 0) return [];
      if (depth >= 2) return `<${v.length} items>`;
      return v.length <= 3 ? v.map((x) => walk(x, depth + 1)) : [walk(v[0], depth + 1), `… ${v.length} items`];
    }
    if (depth >= 3) return '{…}';
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = walk(x, depth + 1);
    return o;
  };
  const s = JSON.stringify(walk(value, 0)) ?? String(value);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Resolves a reference: the node's output, projected to a field named like the argument when there is one. */
function project(output: unknown, arg: string): unknown {
  if (typeof output === 'object' && output !== null && !Array.isArray(output) && Object.hasOwn(output, arg)) {
    return (output as Record<string, unknown>)[arg];
  }
  return output;
}

class NodeTimeout extends HomeSightError {}

/**
 * Runs a validated plan as a DAG: a node starts when the nodes it references
 * (and links from) have finished, independent nodes run in parallel, each
 * under a timeout, all under the caller's signal. A failed node's dependents
 * are skipped, except compose_answer, which still answers with what it has.
 * Only catalog tools run; side-effect tools only when allowed.
 */
export class PlanExecutor {
  private readonly impls: ToolImpls;
  private readonly log: Logger;
  private readonly clock: Clock | undefined;

  constructor(private readonly options: ExecutorOptions) {
    this.impls = options.impls ?? createToolImpls();
    this.log = options.log ?? silentLogger();
    this.clock = options.clock;
  }

  /** Checks a plan for execution; throws E_PLAN_INVALID with the issues. */
  check(plan: TaskPlan, ctx: Pick<ExecuteContext, 'allowTools' | 'hubTopics' | 'household'>): void {
    const issues: PlanIssue[] = validatePlan(plan, {
      allowTools: ctx.allowTools,
      hubTopics: ctx.hubTopics,
      cameras: Object.keys(ctx.household.cameras),
    });
    if (issues.length > 0) {
      throw new HomeSightError('E_PLAN_INVALID', `the plan cannot run: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
        context: { issues },
        hint: 'the planner produced an invalid plan; see the issues',
      });
    }
  }

  async execute(plan: TaskPlan, ctx: ExecuteContext): Promise<ExecutionResult> {
    this.check(plan, ctx);
    const mono = (): number => (this.clock !== undefined ? this.clock.monotonic() : performance.now());
    const t0 = mono();
    const n = plan.task_nodes.length;
    const outer = ctx.signal ?? new AbortController().signal;
    const outputs: unknown[] = new Array<unknown>(n).fill(undefined);
    const kinds: Array<OutputKind | null> = plan.task_nodes.map((x) => getTool(x.task)?.kind ?? null);
    const status: Array<NodeStatus | 'pending' | 'running'> = new Array(n).fill('pending');
    const errors: NodeError[] = [];
    const trace: TraceEntry[] = new Array<TraceEntry>(n);
    const args = plan.task_nodes.map((node) => {
      const t = getTool(node.task)!;
      return stripNulls(t, namedArguments(node));
    });
    const deps: Array<Set<number>> = plan.task_nodes.map(() => new Set<number>());
    args.forEach((a, i) => {
      for (const v of Object.values(a)) {
        const vs = Array.isArray(v) ? v : [v];
        for (const x of vs) {
          const r = refIndex(x);
          if (r !== null) deps[i]!.add(r);
        }
      }
    });
    for (const [s, t] of linkEdges(plan).edges) if (s !== t) deps[t]!.add(s);

    const runCtxBase = {
      deps: ctx.deps,
      household: ctx.household,
      now: ctx.now,
      question: ctx.question,
      allowTools: ctx.allowTools,
      hubTopics: ctx.hubTopics,
      visionCache: new Map<string, Promise<FrameResult[]>>(),
      frameStore: new Map<string, FrameData>(),
      ranges: [] as ResolvedRange[],
    };

    const runNode = async (i: number): Promise<void> => {
      const node = plan.task_nodes[i]!;
      const tool = getTool(node.task)!;
      const start = mono();
      status[i] = 'running';
      ctx.onNode?.({ node: i, task: node.task, status: 'running' });
      const refs = new Map<string, Array<{ index: number; kind: OutputKind; task: string; error?: string }>>();
      const resolved: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(args[i]!)) {
        const one = (x: unknown): unknown => {
          const r = refIndex(x);
          if (r === null) return x;
          const list = refs.get(k) ?? [];
          const e = errors.find((er) => er.node === r);
          const entry: { index: number; kind: OutputKind; task: string; error?: string } = {
            index: r,
            kind: kinds[r]!,
            task: plan.task_nodes[r]!.task,
          };
          if (e !== undefined) entry.error = e.message;
          else if (status[r] !== 'ok') entry.error = `not run (${String(status[r])})`;
          list.push(entry);
          refs.set(k, list);
          return Array.isArray(v) ? outputs[r] : project(outputs[r], k);
        };
        resolved[k] = Array.isArray(v) ? v.map(one) : one(v);
      }
      const entry: TraceEntry = {
        node: i,
        task: node.task,
        arguments: node.arguments as Record<string, unknown>,
        inputs: summarize(resolved),
        status: 'ok',
        startMs: Math.round(start - t0),
        ms: 0,
      };
      trace[i] = entry;
      const finish = (st: NodeStatus, err?: HomeSightError): void => {
        status[i] = st;
        entry.status = st;
        entry.ms = Math.round((mono() - start) * 10) / 10;
        if (err !== undefined) {
          entry.error = { code: err.code, message: err.message };
          errors.push({ node: i, task: node.task, code: err.code, message: err.message });
        }
        const ev: { node: number; task: string; status: NodeStatus; ms: number; error?: string } = {
          node: i,
          task: node.task,
          status: st,
          ms: entry.ms,
        };
        if (err !== undefined) ev.error = err.message;
        ctx.onNode?.(ev);
      };
      const parsed = tool.input.safeParse(resolved);
      if (!parsed.success) {
        finish(
          'error',
          new HomeSightError(
            'E_ARG_INVALID',
            `${node.task}: ${parsed.error.issues.map((x) => `${x.path.join('.') || 'arguments'}: ${x.message}`).join('; ')}`,
            { context: { node: i } },
          ),
        );
        return;
      }
      // The node's signal: aborted by its timeout or by the caller's signal, and every listener
      // added here is removed when the node ends. Not AbortSignal.any(): Node keeps a composite
      // signal that has an 'abort' listener strongly reachable until it aborts, so each node that
      // finished normally kept its whole run context alive (+23 KB per ask in the soak, issue 12).
      const nodeAbort = new AbortController();
      const signal = nodeAbort.signal;
      const onOuterAbort = (): void => nodeAbort.abort(outer.reason);
      if (outer.aborted) onOuterAbort();
      else outer.addEventListener('abort', onOuterAbort, { once: true });
      const timer = setTimeout(
        () =>
          nodeAbort.abort(
            new NodeTimeout('E_NODE_TIMEOUT', `${node.task} did not finish within ${this.options.nodeTimeoutMs} ms`, {
              context: { node: i, task: node.task },
            }),
          ),
        this.options.nodeTimeoutMs,
      );
      const runCtx: ToolRunContext = { ...runCtxBase, signal, refs };
      if (ctx.previousRange !== undefined) runCtx.previousRange = ctx.previousRange;
      let reject: (err: Error) => void = () => undefined;
      const onAbort = (): void => reject(signal.reason instanceof Error ? signal.reason : new HomeSightError('E_CANCELLED', 'cancelled'));
      try {
        const impl = this.impls[node.task as ToolName] as (a: unknown, c: ToolRunContext) => Promise<unknown>;
        const aborted = new Promise<never>((_, rej) => {
          reject = rej;
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        });
        aborted.catch(() => undefined);
        const out = await Promise.race([impl(parsed.data, runCtx), aborted]);
        const checked = tool.output.safeParse(out);
        if (!checked.success) {
          throw new HomeSightError(
            'E_TOOL_OUTPUT',
            `${node.task} returned output that does not match its schema: ${checked.error.issues[0]?.message ?? ''}`,
            { context: { node: i } },
          );
        }
        outputs[i] = checked.data;
        entry.output = summarize(checked.data);
        finish('ok');
      } catch (err) {
        if (outer.aborted) finish('cancelled', new HomeSightError('E_CANCELLED', `${node.task} cancelled`, { context: { node: i } }));
        else finish('error', asHomeSightError(err, 'E_TOOL_FAILED'));
        this.log.debug({ node: i, task: node.task, err: entry.error }, 'plan node failed');
      } finally {
        clearTimeout(timer);
        outer.removeEventListener('abort', onOuterAbort);
        signal.removeEventListener('abort', onAbort);
      }
    };

    // Scheduler: run every node whose dependencies are settled.
    await new Promise<void>((resolve) => {
      let running = 0;
      const pump = (): void => {
        for (let i = 0; i < n; i++) {
          if (status[i] !== 'pending') continue;
          const ds = [...deps[i]!];
          if (ds.some((d) => status[d] === 'pending' || status[d] === 'running')) continue;
          const failedDep = ds.find((d) => status[d] !== 'ok');
          if (outer.aborted) {
            status[i] = 'cancelled';
            trace[i] = {
              node: i,
              task: plan.task_nodes[i]!.task,
              arguments: plan.task_nodes[i]!.arguments as Record<string, unknown>,
              inputs: '',
              status: 'cancelled',
              startMs: Math.round(mono() - t0),
              ms: 0,
            };
            continue;
          }
          if (failedDep !== undefined && plan.task_nodes[i]!.task !== 'compose_answer') {
            status[i] = 'skipped';
            trace[i] = {
              node: i,
              task: plan.task_nodes[i]!.task,
              arguments: plan.task_nodes[i]!.arguments as Record<string, unknown>,
              inputs: '',
              status: 'skipped',
              error: { code: 'E_DEP_FAILED', message: `node ${failedDep} (${plan.task_nodes[failedDep]!.task}) did not succeed` },
              startMs: Math.round(mono() - t0),
              ms: 0,
            };
            ctx.onNode?.({ node: i, task: plan.task_nodes[i]!.task, status: 'skipped' });
            continue;
          }
          running++;
          void runNode(i).finally(() => {
            running--;
            pump();
          });
        }
        if (running === 0 && status.every((s) => s !== 'pending' && s !== 'running')) resolve();
        else if (running === 0) {
          // Nothing runnable yet nothing running: only possible after cancellation.
          for (let i = 0; i < n; i++) if (status[i] === 'pending') status[i] = 'cancelled';
          resolve();
        }
      };
      pump();
    });
    return { outputs, kinds, trace, errors, ranges: runCtxBase.ranges, cancelled: outer.aborted, ms: Math.round((mono() - t0) * 10) / 10 };
  }
}
