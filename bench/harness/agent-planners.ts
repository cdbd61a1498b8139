import { configSchema, type HomeSightConfig } from '../../daemon/config/index.js';
import { HomeSightError } from '../../daemon/system/index.js';
import { cloudPlannerFor, localPlannerFor, RetrievalPlanner, type Planner } from './agent.js';
import { resolveModelPath, type AgentPlannerKind, type AgentPlannerLoader, type PlannerFactoryContext } from './planners.js';

/**
 * The agent's planners as bench test objects, built exactly as the daemon
 * builds them (`localPlannerFor` / `cloudPlannerFor` from the agent's index)
 * from the HomeSight config in effect, with the test case's hyperparameters
 * laid over the config keys of the same name:
 *
 *   local:     any key of agent.llm (model, threads, context_size, gpu_layers, max_tokens, temperature,
 *              timeout_ms, few_shots, grammar, max_nodes, max_string_chars, prompt_budget)
 *   cloud:     any key of agent.cloud (url, model, api_key_file, timeout_ms, min_confidence) and few_shots
 *   retrieval: tries
 *
 * plus, for every planner, `examples` (handled by the harness: how many of the
 * household's past plans from the train split each request carries). Values
 * are validated by the config schema, so a bad value fails the test case with
 * the same message a bad config would give.
 */
export const HARNESS_PLANNER_KEYS = ['examples'] as const;

function settingsError(kind: AgentPlannerKind, message: string, hint: string): HomeSightError {
  return new HomeSightError('E_BENCH_PLANNER', `${kind} planner: ${message}`, { hint });
}

function withoutHarnessKeys(s: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(s).filter(([k]) => !(HARNESS_PLANNER_KEYS as readonly string[]).includes(k)));
}

/** The config with the hyperparameters laid over agent.llm / agent.cloud, validated. */
function overlay(
  kind: AgentPlannerKind,
  config: HomeSightConfig,
  section: 'llm' | 'cloud',
  values: Record<string, unknown>,
): HomeSightConfig {
  const allowed = Object.keys(configSchema.shape.agent.unwrap().shape[section].unwrap().shape);
  const extra = section === 'cloud' ? ['few_shots'] : [];
  const unknown = Object.keys(values).filter((k) => !allowed.includes(k) && !extra.includes(k));
  if (unknown.length > 0) {
    throw settingsError(
      kind,
      `unknown hyperparameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`,
      `${kind} takes: ${[...allowed, ...extra, ...HARNESS_PLANNER_KEYS].join(', ')}`,
    );
  }
  const { few_shots: fewShots, ...own } = section === 'cloud' ? values : { few_shots: undefined, ...values };
  const agent = {
    ...config.agent,
    llm: { ...config.agent.llm, ...(section === 'llm' ? values : fewShots === undefined ? {} : { few_shots: fewShots }) },
    cloud: { ...config.agent.cloud, ...(section === 'cloud' ? own : {}) },
  };
  const r = configSchema.safeParse({ ...config, agent });
  if (!r.success) {
    const i = r.error.issues[0]!;
    const key = i.path.slice(2).join('.') || i.path.join('.');
    throw settingsError(
      kind,
      `hyperparameter ${key}: ${i.message}`,
      'fix the value in the algorithm YAML (same rules as the config key agent.' + i.path.slice(1).join('.') + ')',
    );
  }
  return r.data;
}

/** Builds the agent-backed planners from bench hyperparameters over `config`. */
export function agentPlannerLoader(config: HomeSightConfig): AgentPlannerLoader {
  return async (kind: AgentPlannerKind, ctx: PlannerFactoryContext): Promise<Planner> => {
    const s = withoutHarnessKeys(ctx.settings);
    if (kind === 'retrieval') {
      const unknown = Object.keys(s).filter((k) => k !== 'tries');
      if (unknown.length > 0)
        throw settingsError(
          kind,
          `unknown hyperparameter ${unknown.join(', ')}`,
          `retrieval takes: tries, ${HARNESS_PLANNER_KEYS.join(', ')}`,
        );
      const tries = s.tries;
      if (tries !== undefined && (typeof tries !== 'number' || !Number.isInteger(tries) || tries < 1))
        throw settingsError(kind, `tries must be a whole number ≥ 1 (got ${JSON.stringify(tries)})`, 'e.g. tries: {values: [6]}');
      return new RetrievalPlanner(tries === undefined ? {} : { tries });
    }
    if (kind === 'local') {
      const values = { ...s };
      if (typeof values.model === 'string') values.model = resolveModelPath(values.model, ctx);
      const merged = overlay(kind, config, 'llm', values);
      const planner = localPlannerFor(merged, ctx.log);
      // Load now, so a missing or corrupt model fails the test case up front with its own error.
      await planner.load();
      return planner;
    }
    const values = { ...s };
    if (typeof values.api_key_file === 'string') values.api_key_file = ctx.resolvePath(values.api_key_file);
    const planner = cloudPlannerFor(overlay(kind, config, 'cloud', values));
    if (planner === undefined)
      throw settingsError(kind, 'no url', 'give hyperparameters: [{url: {values: [https://api.example.com/v1]}}] or set agent.cloud.url');
    return planner;
  };
}
