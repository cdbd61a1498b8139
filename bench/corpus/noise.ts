/**
 * Seeded typing noise for the corpus: swapped, dropped, doubled and
 * neighbouring-key letters, the mistakes people make typing on a phone.
 * Applied to a template's own words only (never inside `${slot}` markers nor
 * to the choice syntax), so names, rooms, times and facts that end up in the
 * gold plan stay as the household spells them.
 */
import type { Rng } from '../datasets/index.js';

const KEYBOARD_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

/** Letters next to each letter on a QWERTY keyboard (same row). */
const NEIGHBOURS: Record<string, string> = Object.fromEntries(
  KEYBOARD_ROWS.flatMap((row) => [...row].map((c, i) => [c, (row[i - 1] ?? '') + (row[i + 1] ?? '')] as const)),
);

export type TypoKind = 'swap' | 'drop' | 'double' | 'neighbour';

function mutate(word: string, rng: Rng): string {
  const i = rng.int(1, word.length - 2);
  const kind = rng.pick<TypoKind>(['swap', 'drop', 'double', 'neighbour']);
  const c = word[i] as string;
  switch (kind) {
    case 'swap':
      return word.slice(0, i) + word[i + 1] + c + word.slice(i + 2);
    case 'drop':
      return word.slice(0, i) + word.slice(i + 1);
    case 'double':
      return word.slice(0, i) + c + c + word.slice(i + 1);
    case 'neighbour': {
      const near = NEIGHBOURS[c.toLowerCase()];
      return near === undefined || near === '' ? word : word.slice(0, i) + rng.pick([...near]) + word.slice(i + 1);
    }
  }
}

/**
 * Puts `count` typos into the words (4+ letters) of a template outside its
 * `${slot}` markers; returns the template unchanged when it has no such word.
 */
export function addTypos(template: string, count: number, rng: Rng): string {
  const parts = template.split(/(\$\{\w+\})/);
  for (let k = 0; k < count; k++) {
    const words: Array<{ part: number; start: number; text: string }> = [];
    parts.forEach((p, pi) => {
      if (pi % 2 === 1) return;
      for (const m of p.matchAll(/[A-Za-z]{4,}/g)) words.push({ part: pi, start: m.index, text: m[0] });
    });
    if (words.length === 0) return template;
    const w = rng.pick(words);
    const p = parts[w.part] as string;
    parts[w.part] = p.slice(0, w.start) + mutate(w.text, rng) + p.slice(w.start + w.text.length);
  }
  return parts.join('');
}
