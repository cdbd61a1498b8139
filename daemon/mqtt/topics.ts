import { randomBytes } from 'node:crypto';

/** True when an MQTT topic filter (with + and #) matches a topic. */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const part = f[i]!;
    if (part === '#') return true;
    if (i >= t.length) return false;
    if (part !== '+' && part !== t[i]) return false;
  }
  return f.length === t.length;
}

/** A topic we may publish to: no wildcards, no `$`, no NUL, not empty, at most 1024 bytes. */
export function isPublishTopic(topic: string): boolean {
  return topic.length > 0 && Buffer.byteLength(topic) <= 1024 && !/[#+\u0000]/.test(topic) && !topic.startsWith('$');
}

/** A valid subscription filter. */
export function isTopicFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes('\u0000')) return false;
  const parts = filter.split('/');
  return parts.every((p, i) => (p.includes('#') ? p === '#' && i === parts.length - 1 : !p.includes('+') || p === '+'));
}

/** A time-sortable unique id: base36 milliseconds + random hex. Events carry one so consumers can dedupe. */
export function newId(now: number = Date.now()): string {
  return `${now.toString(36).padStart(9, '0')}-${randomBytes(6).toString('hex')}`;
}

/** Lower-case slug for entity object ids. */
export function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 64) || 'x'
  );
}
