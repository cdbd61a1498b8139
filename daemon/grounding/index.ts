/**
 * Grounding: what a question names in the household. Mention detection runs
 * before planning and replaces people, groups, cameras, rooms, zones, times
 * and numbers by typed placeholders (`<person-1>`, `<room-2>`, `<time-1>`), so
 * every planner — and the planner model's training corpus — plans over
 * placeholders; relexicalisation maps them back to the household's values.
 * Depends on nothing but daemon/system: the time resolver comes in through
 * the context.
 */
export { detectMentions, type DetectOptions } from './detect.js';
export { findTimeSpans, repairTimePhrase, type TimeSpan } from './time-spans.js';
export { delexicalisePlan, relexicalise, type PlanValueOptions } from './plan-values.js';
export { editDistance, allowedEdits } from './fuzzy.js';
export {
  MENTION_KINDS,
  QUESTION_PLACEHOLDER,
  placeholdersIn,
  type Delexicalised,
  type GroundingCamera,
  type GroundingContext,
  type GroundingGroup,
  type GroundingPerson,
  type GroundingRoom,
  type GroundingRoutine,
  type GroupMeaning,
  type Mention,
  type MentionKind,
  type PlanLike,
  type Resolution,
  type TimeResolver,
} from './types.js';
