/**
 * Grounding: what a question names in the household. Mention detection runs
 * before planning and replaces people, groups, cameras, rooms, zones, times
 * and numbers by typed placeholders (`<person-1>`, `<room-2>`, `<time-1>`), so
 * every planner — and the planner model's training corpus — plans over
 * placeholders; relexicalisation maps them back to the household's values.
 * Depends on nothing but daemon/system: the time resolver comes in through
 * the context.
 */
export { findAmbiguities, type Ambiguity } from './ambiguity.js';
export { detectMentions, foldMarks } from './detect.js';
export { delexicalisePlan, relexicalise } from './plan-values.js';
export { isLivePhrase, LIVE_WORDS, PARTS_OF_DAY, parseNumberWord, TIME_FILLERS } from './time-words.js';
export { englishGloss } from './gloss.js';
export { englishTimePhrase } from './time-foreign.js';
export { repairTimePhrase } from './time-spans.js';
export { QUESTION_PLACEHOLDER, placeholdersIn, type Delexicalised, type GroundingContext, type Mention } from './types.js';
