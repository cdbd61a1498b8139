/**
 * Number words and part-of-day bounds read by the agent's time resolver, the mention detector and the watch
 * parser: one table each, so "a few" or "evening" means the same in a question and in a standing order. Each
 * reader's pattern decides which of the words it accepts.
 */

/**
 * Spoken fillers a time may carry inside it ("this morning like between ten and eleven"), as a regex alternation:
 * the span finder joins a time across one, the resolver skips them.
 */
export const TIME_FILLERS = 'like|um+|uh+|erm';

/** Hours [start, end) of a part of the day; an end past 24 runs into the next day. */
export const PARTS_OF_DAY: Readonly<Record<string, readonly [number, number]>> = {
  morning: [6, 12],
  noon: [11, 14],
  lunchtime: [11, 14],
  afternoon: [12, 18],
  evening: [17, 22],
  night: [22, 30], // 22:00 → 06:00 next day
  midnight: [23, 25],
};

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fifteen: 15,
  twenty: 20,
  'twenty-four': 24,
  thirty: 30,
  'forty-five': 45,
  'half an': 0.5,
  few: 3,
  'a few': 3,
  couple: 2,
  'a couple of': 2,
};

/** A number in digits ("12", "1.5") or words ("twelve", "a few", "half an"); NaN when it is neither. */
export function parseNumberWord(s: string): number {
  return Object.hasOwn(NUMBER_WORDS, s) ? NUMBER_WORDS[s]! : Number(s);
}

/** Words that ask about this moment: a question with one reads live frames, not stored events. */
export const LIVE_WORDS: readonly string[] = [
  'right now',
  'rn',
  'atm',
  'currently',
  'at the moment',
  'at present',
  'this very moment',
  'as we speak',
];

/** Whether a time phrase (as the mention detector repairs it) means this moment: a live word or a bare "now". */
export function isLivePhrase(phrase: string): boolean {
  const p = phrase.trim().toLowerCase();
  return p === 'now' || LIVE_WORDS.includes(p);
}
