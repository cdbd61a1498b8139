/**
 * Template expansion for instructions. A template is plain text with
 *   {a|b|c}   one alternative, chosen at random (nesting allowed),
 *   [text]    optional text (kept half the time),
 *   ${slot}   a value from the slot map.
 * Slots are substituted after the choices, so slot values may contain any
 * character. `finish` adds the speaker's style (wake word, politeness,
 * punctuation) without touching the grammar of the question.
 */
import type { Rng } from './prng.js';

/** Expands {a|b} choices and [optional] parts (innermost first). */
function expandChoices(template: string, rng: Rng): string {
  let s = template;
  for (let guard = 0; guard < 100; guard++) {
    const m = /\{([^{}]*)\}|\[([^[\]]*)\]/.exec(s);
    if (m === null) return s;
    let rep: string;
    if (m[1] !== undefined) rep = rng.pick(m[1].split('|'));
    else rep = rng.chance(0.5) ? (m[2] as string) : '';
    s = s.slice(0, m.index) + rep + s.slice(m.index + m[0].length);
  }
  throw new Error(`template nests too deeply: ${template}`);
}

export function expand(template: string, slots: Record<string, string>, rng: Rng): string {
  // Protect ${slot} from the choice syntax, expand, then fill the slots.
  const marked = template.replace(/\$\{(\w+)\}/g, (_, k: string) => `\u0000${k}\u0001`);
  const chosen = expandChoices(marked, rng);
  const filled = chosen.replace(/\u0000(\w+)\u0001/g, (_, k: string) => {
    const v = slots[k];
    if (v === undefined) throw new Error(`template slot \${${k}} has no value: ${template}`);
    return v;
  });
  return tidy(filled);
}

/** Collapses spaces, fixes spaces before punctuation. */
export function tidy(s: string): string {
  return s
    .replace(/\s+/g, ' ')
    .replace(/\s+([?.!,;:])/g, '$1')
    .replace(/,\s*,/g, ',')
    .trim();
}

/** Lower-cases the first letter unless the first word is a name (capitalised, not a sentence word). */
function lowerFirst(s: string): string {
  return /^(I|I'm|I'll|HomeSight)\b/.test(s) ? s : s.charAt(0).toLowerCase() + s.slice(1);
}

/** Capital letter after a sentence end inside the text ("…? did he fall" → "…? Did he fall"). */
function sentenceCase(s: string): string {
  return s.replace(/([?.!] )([a-z])/g, (_, p: string, c: string) => p + c.toUpperCase());
}

export function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

export type Style = 'plain' | 'polite' | 'wake' | 'terse' | 'chatty' | 'voice';
export const STYLES: readonly Style[] = ['plain', 'polite', 'wake', 'terse', 'chatty', 'voice'];

const WAKE = ['Hey HomeSight, ', 'HomeSight, ', 'OK HomeSight, ', 'Hi HomeSight, '];
const CHATTY = ['Quick question: ', 'So, ', 'Hmm, ', 'I was wondering: ', 'Just checking: ', 'Out of curiosity, '];
const POLITE_END = [' please?', ', please?', '? Thanks.', '? Thank you!', '? Cheers.'];
const VOICE_START = ['hey homesight ', 'ok homesight ', 'homesight ', 'um ', 'uh ', 'so ', 'okay so ', 'yeah ', ''];

/**
 * Applies a speaking style to a question (ends with "?") or a command (ends
 * with "." or nothing). Terse drops capitals and punctuation, as people type
 * on a phone.
 */
export function finish(text: string, style: Style, rng: Rng, kind: 'question' | 'command'): string {
  const raw = tidy(text);
  // A template that ends in "." ends in a request ("… show me a picture."), even after a question.
  const statement = kind === 'command' || /\.$/.test(raw);
  let body = sentenceCase(raw.replace(/[?.!]+$/, ''));
  const end = statement ? rng.pick(['.', '', '!']) : '?';
  switch (style) {
    case 'plain':
      return capitalize(body) + end;
    case 'polite':
      if (kind === 'command')
        return capitalize(rng.pick(['please ', 'could you ', 'can you '])) + lowerFirst(body) + rng.pick(['.', ', thanks.', ' please.']);
      if (statement) return capitalize(body) + rng.pick(['. Thanks.', ', please.', '. Thank you!']);
      return capitalize(body) + rng.pick(POLITE_END);
    case 'wake':
      return rng.pick(WAKE) + body + end;
    case 'chatty':
      return rng.pick(CHATTY) + body + end;
    case 'terse':
      body = body.replace(/,/g, '');
      return lowerFirst(body) + (!statement && rng.chance(0.5) ? '?' : '');
    case 'voice':
      // A speech transcript: no punctuation or capitals (clock times keep their colon), a wake word or a filler in front.
      return (rng.pick(VOICE_START) + body.replace(/[,?!;"]|\.(?!\d)|:(?!\d)/g, '').toLowerCase()).replace(/\s+/g, ' ').trim();
  }
}
