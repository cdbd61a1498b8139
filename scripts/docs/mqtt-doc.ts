/**
 * docs/mqtt-api.md: every request topic the daemon serves and every topic it
 * publishes, from the typed topic → payload map of daemon/mqtt (api.ts):
 * arguments, reply data, progress, limits and Home Assistant buttons.
 */
import type { z } from 'zod';
import { MQTT_PUBLISHED, MQTT_REQUESTS, type PublishedTopic, type RequestRoute, replyEnvelopeSchema } from '../../daemon/mqtt/index.js';
import { cell, defaultText, flattenKeys, type JsonSchema, toJsonSchema, typeText } from './json-schema.js';
import { generatedBanner, markdownTable } from './render.js';

const INTRO = `# MQTT API

Every topic is under \`<base_topic>/<device_id>/\` (default \`homesight/homesight/\`, written \`<base>\` below). This
page is generated from the topic map in \`daemon/mqtt/api.ts\`, the same map the request router validates against
and the retained \`<base>/info\` topic and Home Assistant buttons are derived from. How requests, replies,
delivery, discovery and security work: [mqtt.md](mqtt.md).

A request is a JSON object published to \`<base>/<topic>\`. Besides the arguments below it may carry \`id\` (echoed in
every reply) and, for MQTT 3.1.1 clients, \`reply_to\` (the topic for the replies); MQTT 5 clients use the response
topic and correlation data instead. Replies are [envelopes](#reply-envelope): zero or more \`progress\`, then one
\`ok\` (with the data below) or \`error\`.`;

function argumentRows(schema: z.ZodType): string[][] {
  const rows = flattenKeys(toJsonSchema(schema)).map((k) => [
    `\`${k.path}\``,
    cell(typeText(k.schema)),
    k.required ? 'yes' : 'no',
    cell(defaultText(k.schema)),
    cell(k.schema.description ?? ''),
  ]);
  return rows;
}

/** The top-level fields of a reply or payload, one row each (nested objects are not expanded). */
function fieldRows(schema: z.ZodType): string[][] {
  const json = toJsonSchema(schema);
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([k, s]: [string, JsonSchema]) => [
    `\`${k}\``,
    cell(typeText(s)),
    required.has(k) ? 'yes' : 'no',
    cell(s.description ?? ''),
  ]);
}

function fields(title: string, schema: z.ZodType): string[] {
  const rows = fieldRows(schema);
  if (rows.length === 0) return [`${title}: a JSON object (its fields depend on the module).`];
  return [`${title}:`, '', markdownTable(['field', 'type', 'always', 'description'], rows)];
}

function limits(route: RequestRoute): string {
  const parts = [`by default at most ${route.concurrency ?? 4} at once`];
  if (route.maxBytes !== undefined) parts.push(`payload ≤ ${route.maxBytes.toLocaleString('en-US')} bytes`);
  return parts.join(', ');
}

function requestSection(topic: string, route: RequestRoute): string {
  const out = [`### \`${topic}\``, '', route.description, ''];
  const facts = [`- Served by \`${route.module}\`; ${limits(route)}.`];
  if (route.resultTopic !== undefined) facts.push(`- Final replies are also published on \`<base>/${route.resultTopic}\`.`);
  if (route.button !== undefined)
    facts.push(`- Home Assistant button "${route.button.name}"${route.button.perCamera === true ? ', one per camera' : ''}.`);
  out.push(...facts, '');
  const args = argumentRows(route.request);
  out.push(args.length === 0 ? 'Arguments: none (`{}`).' : markdownTable(['argument', 'type', 'required', 'default', 'description'], args));
  out.push('', ...fields('Reply data (`ok`)', route.response));
  if (route.progress !== undefined) out.push('', ...fields('Progress data', route.progress));
  return out.join('\n');
}

function publishedTable(topics: ReadonlyArray<[string, PublishedTopic]>): string {
  return markdownTable(
    ['topic', 'retained', 'from', 'payload', 'description'],
    topics.map(([topic, t]) => [
      `\`<base>/${topic}\``,
      t.retained ? 'yes' : 'no',
      `\`${t.module}\``,
      t.payload === undefined ? 'raw' : t.payload === replyEnvelopeSchema ? '[envelope](#reply-envelope)' : 'JSON',
      cell(t.description),
    ]),
  );
}

export function renderMqttApiDoc(): string {
  const requests = Object.entries(MQTT_REQUESTS) as Array<[string, RequestRoute]>;
  const published = Object.entries(MQTT_PUBLISHED) as Array<[string, PublishedTopic]>;
  const out = [generatedBanner('the topic map in daemon/mqtt/api.ts'), INTRO, '', '## Requests', ''];
  out.push(
    markdownTable(
      ['topic', 'from', 'what it does'],
      requests.map(([topic, r]) => [`[\`${topic}\`](#${anchor(topic)})`, `\`${r.module}\``, cell(r.description)]),
    ),
  );
  for (const [topic, route] of requests) out.push('', requestSection(topic, route));
  out.push('', '## Published topics', '', '`+` stands for a camera name.', '', publishedTable(published));
  for (const [topic, t] of published) {
    if (t.payload === undefined || t.payload === replyEnvelopeSchema || fieldRows(t.payload).length === 0) continue;
    out.push('', `### \`${topic}\``, '', ...fields('Payload', t.payload));
  }
  out.push('', '## Reply envelope', '', ...fields('Every reply, result and `agent/answer` message', replyEnvelopeSchema));
  return `${out.join('\n')}\n`;
}

/** GitHub's heading id for `### \`agent/ask\``: lower case, punctuation (backticks, slashes) dropped. */
function anchor(topic: string): string {
  return topic.toLowerCase().replace(/[^a-z0-9_ -]/g, '');
}
