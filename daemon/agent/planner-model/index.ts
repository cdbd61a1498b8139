/**
 * The planner model's text formats (issue #17): the compact prompt it reads,
 * the plan text it writes (one node per line; converts one-to-one to the
 * TaskBench plan) and the GBNF grammar that constrains its output. The
 * corpus builder (bench/) and the trainer (cloud/trainer) use exactly these,
 * so training and inference see the same text. See docs/planner-model.md.
 */
export { buildModelPrompt, placeholdersOf, type ModelPromptInput } from './prompt.js';
export { formatPlanText, parsePlanText, renderValue, samePlan, END_MARKER } from './plan-text.js';
export { planClosed, planTextGrammar, planTextGrammars, type PlanTextGrammarOptions } from './grammar.js';
