import type { z } from 'zod';

/**
 * Marks a key whose change SIGHUP applies without a restart (zod metadata `live: true`, kept beside the key's
 * description). liveKeys() reads the marks, the reload and the generated docs use them.
 */
export function live<T extends z.ZodType>(schema: T): T {
  return schema.meta({ ...schema.meta(), live: true });
}

function isLive(schema: z.ZodType): boolean {
  return schema.meta()?.live === true;
}

/** The schema under default/prefault/optional/nullable/readonly wrappers (where an object's shape sits). */
function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (;;) {
    const def = s._zod.def as { type: string; innerType?: z.ZodType };
    if (def.innerType === undefined || !['default', 'prefault', 'optional', 'nullable', 'readonly', 'nonoptional'].includes(def.type))
      return s;
    if (isLive(def.innerType)) return def.innerType;
    s = def.innerType;
  }
}

/**
 * Dotted paths of the keys marked live(), in schema order: a marked object counts as a whole ('agent'), an
 * unmarked one is searched ('memory.event_retain_days'). A changed key is live when it is one of these or lies
 * under one.
 */
export function liveKeys(schema: z.ZodType, prefix = ''): string[] {
  const s = unwrap(schema);
  const def = s._zod.def as { type: string; shape?: Record<string, z.ZodType> };
  if (def.type !== 'object' || def.shape === undefined) return [];
  return Object.entries(def.shape).flatMap(([key, child]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return isLive(child) || isLive(unwrap(child)) ? [path] : liveKeys(child, path);
  });
}

/** True when a changed key path is live: equal to a live key or below one. */
export function isLiveKey(path: string, keys: readonly string[]): boolean {
  return keys.some((l) => path === l || path.startsWith(`${l}.`));
}
