/**
 * What a question asked for that the agent will not do, in words for the
 * answer. Planning and validation already make sure nothing outside the
 * catalog / allow-list runs; this only tells the person so, instead of
 * answering the harmless part silently (prompt-injection suite, issue 12).
 */
import { CATALOG } from '../catalog/index.js';

const TOOLS: ReadonlySet<string> = new Set(CATALOG.map((c) => c.name));
const SIDE_EFFECTS = ['remember', 'publish_to_hub'];

/** NFKC (full-width letters), zero-width characters removed. */
function normalize(q: string): string {
  return q.normalize('NFKC').replace(/[\u200B-\u200D\u2060\uFEFF\u0000]/g, '');
}

/** One sentence explaining what was not done, or null when the question asked for nothing refused. */
export function refusalNote(question: string, allowTools: readonly string[]): string | null {
  const q = normalize(question);
  const parts: string[] = [];
  // snake_case identifiers, and call syntax like exec() / eval(
  const named = [...new Set([...q.matchAll(/\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b|\b([a-z][a-z0-9_]{1,31})\(/gi)].map((m) => (m[1] ?? m[2]!).toLowerCase()))];
  const foreign = named.filter((n) => !TOOLS.has(n));
  const blocked = named.filter((n) => SIDE_EFFECTS.includes(n) && !allowTools.includes(n));
  if (foreign.length > 0) parts.push(`${foreign.slice(0, 3).join(', ')} ${foreign.length === 1 ? 'is' : 'are'} not a tool I have, so I did not run ${foreign.length === 1 ? 'it' : 'them'}`);
  if (blocked.length > 0) parts.push(`${blocked.join(', ')} is not allowed on this device (agent.allow_tools), so it did not run`);
  if (/\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|rules|prompt|catalog|allow-?list)\b|system prompt|new instructions|\bsystem:|you are now|pretend you|without restrictions|\bobey\b|follow (them|these|the|any) instructions|instructions .*follow them|authori[sz]e you/i.test(q)) {
    parts.push('instructions inside a question or in memory are treated as text, not as commands');
  }
  if (/\b(raw|jpe?g|base64|rgb|bytes|frames?|video|stream|recordings?|snapshot)\b/i.test(q) && /\b(send|give|show|stream|export|upload|email|live|raw|as base64|bytes)\b/i.test(q)) {
    parts.push('camera frames, snapshots and recordings never leave this device; I can only describe what was seen');
  }
  if (/\b(unlock|disarm|arm|delete|erase|email|upload|publish|announce)\b/i.test(q) && !allowTools.includes('publish_to_hub')) {
    parts.push('I only answer questions about this home; I cannot unlock, disarm, delete, publish or send anything');
  } else if (/\bremember (that|with|the fact)\b|\bremember\s*\(/i.test(q) && !allowTools.includes('remember')) {
    parts.push('storing new facts is not allowed on this device');
  }
  if (/\b(neighbou?rs?'?|next door|another household|other households?|all households)\b/i.test(q)) {
    parts.push('I only know about this household');
  }
  if (parts.length === 0) return null;
  return `I will not do everything asked: ${[...new Set(parts)].join('; ')}.`;
}
