import { z } from 'zod';
import { asHomeSightError, HomeSightError } from '../system/index.js';
import { isPublishTopic, topicMatches } from './topics.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Fields every request may carry besides its arguments. */
const envelopeFields = {
  id: z.union([z.string().min(1).max(128), z.number().int().safe()]).describe('request id, echoed in replies (transaction)'),
  reply_to: z.string().min(1).max(512).describe('topic for the reply (MQTT 3.1.1 clients; v5 clients use the response topic)'),
};

/**
 * Decodes an inbound request payload: size cap, UTF-8, JSON object. An empty
 * payload is `{}`. Throws HomeSightError with a stable code.
 */
export function decodePayload(payload: Buffer, maxBytes: number): Record<string, unknown> {
  if (payload.length > maxBytes) {
    throw new HomeSightError('E_PAYLOAD_TOO_LARGE', `payload of ${payload.length} bytes exceeds the limit of ${maxBytes} bytes`, {
      context: { bytes: payload.length, limit: maxBytes },
      hint: "send less (mqtt.max_request_bytes, or the serving module's own limit, sets it)",
    });
  }
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    throw new HomeSightError('E_BAD_ENCODING', 'payload is not valid UTF-8', { hint: 'send a UTF-8 JSON object' });
  }
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HomeSightError('E_BAD_JSON', `payload is not JSON: ${err instanceof Error ? err.message.slice(0, 120) : 'parse error'}`, {
      hint: 'send a JSON object, e.g. {"id": "1"}',
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HomeSightError(
      'E_BAD_REQUEST',
      `payload must be a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`,
      {
        hint: 'wrap the arguments in an object',
      },
    );
  }
  return value as Record<string, unknown>;
}

/**
 * The envelope fields of a decoded payload, each read on its own so that a
 * request with a bad argument (or a bad `id`) can still be answered at its
 * `reply_to`. `problem` is the first envelope field that is invalid.
 */
export function readEnvelope(payload: Record<string, unknown>): { id?: string; replyTo?: string; problem: HomeSightError | null } {
  const out: { id?: string; replyTo?: string; problem: HomeSightError | null } = { problem: null };
  if (payload.reply_to !== undefined) {
    const r = envelopeFields.reply_to.safeParse(payload.reply_to);
    if (r.success) out.replyTo = r.data;
    else out.problem = zodToError(r.error, undefined, 'reply_to');
  }
  if (payload.id !== undefined) {
    const r = envelopeFields.id.safeParse(payload.id);
    if (r.success) out.id = String(r.data);
    else out.problem ??= zodToError(r.error, undefined, 'id');
  }
  return out;
}

/** One readable line from zod issues (where, what; capped), with a hint at the request's schema. */
export function zodToError(error: z.ZodError, topic?: string, field?: string): HomeSightError {
  const lines = error.issues.slice(0, 8).map((i) => {
    const path = [...(field === undefined ? [] : [field]), ...i.path.map(String)].join('.');
    return path === '' ? i.message : `${path}: ${i.message}`;
  });
  const more = error.issues.length > 8 ? ` (+${error.issues.length - 8} more)` : '';
  return new HomeSightError('E_BAD_REQUEST', `invalid request: ${lines.join('; ').slice(0, 600)}${more}`, {
    context: {
      issues: error.issues.slice(0, 8).map((i) => ({ path: i.path.map(String), code: i.code })),
      ...(topic === undefined ? {} : { topic }),
    },
    hint:
      topic === undefined
        ? 'id is a string or integer, reply_to a topic without wildcards'
        : `send the fields of ${topic} (docs/mqtt-api.md; commands also list their JSON Schema in the retained <base>/info topic)`,
  });
}

/**
 * Where replies may go: a publishable topic that is not a Home Assistant
 * discovery topic and not inside this device's own tree (except `reply/…`),
 * so a request cannot make the daemon overwrite its own state or HA entities.
 */
export function checkReplyTopic(topic: string, baseTopic: string, discoveryPrefix: string): void {
  const ok =
    isPublishTopic(topic) &&
    !topicMatches(`${discoveryPrefix}/#`, topic) &&
    (!topicMatches(`${baseTopic}/#`, topic) || topicMatches(`${baseTopic}/reply/#`, topic));
  if (!ok) {
    throw new HomeSightError('E_BAD_REPLY_TO', `reply topic "${topic.slice(0, 120)}" is not allowed`, {
      context: { topic: topic.slice(0, 256) },
      hint: `use a topic without wildcards outside ${discoveryPrefix}/ and ${baseTopic}/ (or under ${baseTopic}/reply/)`,
    });
  }
}

export function errorBody(err: unknown): { code: string; message: string; hint?: string } {
  const e = asHomeSightError(err);
  return e.hint === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, hint: e.hint };
}
