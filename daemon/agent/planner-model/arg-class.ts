import { z } from 'zod';
import { getTool, type ToolDefinition } from '../catalog/index.js';

/**
 * What kind of value each catalog argument holds, by its name and schema:
 * the plan-text writer quotes free text by it, the grammar picks each
 * argument's value rule by it.
 */
export type ArgClass = 'person' | 'camera' | 'room' | 'phrase' | 'day' | 'time' | 'number' | 'enum' | 'activity' | 'topic' | 'text' | 'any';

export function unwrapOptional(s: z.ZodType): z.ZodType {
  return s instanceof z.ZodOptional ? (s.unwrap() as z.ZodType) : s;
}

export function argClass(tool: ToolDefinition, arg: string): ArgClass {
  const schema = (tool.input.shape as Record<string, z.ZodType>)[arg];
  if (schema === undefined) return 'any';
  const base = unwrapOptional(schema);
  if (arg === 'person' || arg === 'identity') return 'person';
  if (arg === 'camera') return 'camera';
  if (arg === 'room') return 'room';
  if (arg === 'phrase') return 'phrase';
  if (arg === 'day') return 'day';
  if (arg === 'start' || arg === 'end') return 'time';
  if (tool.name === 'publish_to_hub' && arg === 'topic') return 'topic';
  if (arg === 'activity') return 'activity';
  if (base instanceof z.ZodEnum) return 'enum';
  if (base instanceof z.ZodNumber) return 'number';
  if (base instanceof z.ZodString) return 'text';
  return 'any';
}

/** Arguments whose strings are free text (quoted in plan text unless they are a placeholder). */
export function isFreeText(task: string, arg: string): boolean {
  const tool = getTool(task);
  if (tool === undefined) return false;
  const c = argClass(tool, arg);
  return c === 'text' || c === 'phrase';
}

/** `<person-1>`, `<time-2>`, `<question>`: written bare even in free-text arguments. */
export const PLACEHOLDER = /^<[a-z]+(?:-\d+)?>$/;
