/**
 * An English gloss of a question asked in another language, word by word, for the planner model: it was trained on
 * English questions, so "wer war <time-1> in der <room-1>" reads as "who was <time-1> in the <room-1>", "<room-1>
 * mein kaun tha" as "<room-1> in who was". Placeholders stay; the question the answer quotes stays as asked. A
 * question is glossed only from a language at least two of whose marker words it has (and more of them than of
 * English's), so an English "was" is never German "what". Words are read without accents.
 */

interface Language {
  /** Words that tell the language apart from English. */
  markers: readonly string[];
  /** Phrases and words → English, longest first. */
  gloss: ReadonlyArray<readonly [string, string]>;
}

const LANGUAGES: readonly Language[] = [
  {
    // German
    markers: [
      'wer',
      'wann',
      'wo',
      'war',
      'waren',
      'ist',
      'hat',
      'jemand',
      'im',
      'der',
      'die',
      'das',
      'und',
      'nicht',
      'ich',
      'wie',
      'zu',
      'mit',
      'auf',
    ],
    gloss: [
      ['wie lange', 'how long'],
      ['wie oft', 'how often'],
      ['wie viele', 'how many'],
      ['nach hause', 'home'],
      ['zeig mir', 'show me'],
      ['in der', 'in the'],
      ['in dem', 'in the'],
      ['an der', 'at the'],
      ['wer', 'who'],
      ['was', 'what'],
      ['wann', 'when'],
      ['wo', 'where'],
      ['war', 'was'],
      ['waren', 'were'],
      ['ist', 'is'],
      ['hat', 'has'],
      ['jemand', 'anyone'],
      ['im', 'in the'],
      ['am', 'at the'],
      ['der', 'the'],
      ['die', 'the'],
      ['das', 'the'],
      ['und', 'and'],
      ['oder', 'or'],
      ['mit', 'with'],
      ['gekommen', 'come'],
      ['heimgekommen', 'came home'],
      ['gegangen', 'gone'],
      ['gesehen', 'seen'],
      ['gemacht', 'done'],
      ['zuletzt', 'last'],
    ],
  },
  {
    // Portuguese
    markers: [
      'quem',
      'quando',
      'onde',
      'estava',
      'estavam',
      'chegou',
      'saiu',
      'alguem',
      'na',
      'no',
      'da',
      'do',
      'em',
      'foi',
      'fez',
      'nao',
      'o que',
    ],
    gloss: [
      ['o que', 'what'],
      ['quanto tempo', 'how long'],
      ['quantas vezes', 'how many times'],
      ['em casa', 'at home'],
      ['quem', 'who'],
      ['quando', 'when'],
      ['onde', 'where'],
      ['estava', 'was'],
      ['estavam', 'were'],
      ['chegou', 'arrived'],
      ['saiu', 'left'],
      ['foi', 'went'],
      ['fez', 'did'],
      ['alguem', 'anyone'],
      ['mostra', 'show'],
      ['na', 'in the'],
      ['no', 'in the'],
      ['e', 'and'],
    ],
  },
  {
    // Spanish
    markers: ['quien', 'cuando', 'donde', 'estaba', 'llego', 'salio', 'alguien', 'en', 'el', 'la', 'hubo', 'que'],
    gloss: [
      ['cuanto tiempo', 'how long'],
      ['cuantas veces', 'how many times'],
      ['en casa', 'at home'],
      ['quien', 'who'],
      ['cuando', 'when'],
      ['donde', 'where'],
      ['estaba', 'was'],
      ['llego', 'arrived'],
      ['salio', 'left'],
      ['alguien', 'anyone'],
      ['en el', 'in the'],
      ['en la', 'in the'],
      ['y', 'and'],
    ],
  },
  {
    // French
    markers: ['qui', 'quand', 'ou', 'est', 'etait', "quelqu'un", 'dans', 'le', 'la', 'les', 'est-ce', 'que', 'rentre', 'sorti'],
    gloss: [
      ["quand est-ce qu'", 'when did '],
      ['quand est-ce que', 'when did'],
      ["est-ce qu'", 'did '],
      ['est-ce que', 'did'],
      ['est rentre', 'came home'],
      ['est sorti', 'went out'],
      ["quelqu'un", 'anyone'],
      ['combien de temps', 'how long'],
      ['combien de fois', 'how many times'],
      ['qui', 'who'],
      ['quand', 'when'],
      ['etait', 'was'],
      ['dans le', 'in the'],
      ['dans la', 'in the'],
      ['et', 'and'],
    ],
  },
  {
    // Polish
    markers: ['czy', 'kto', 'kiedy', 'gdzie', 'byl', 'byla', 'ktos', 'w', 'o', 'jak'],
    gloss: [
      ['jak dlugo', 'how long'],
      ['ile razy', 'how many times'],
      ['czy ktos', 'was anyone'],
      ['kto', 'who'],
      ['kiedy', 'when'],
      ['gdzie', 'where'],
      ['byl', 'was'],
      ['byla', 'was'],
      ['ktos', 'anyone'],
      ['w', 'in the'],
    ],
  },
  {
    // Hindi in Latin letters
    markers: ['kaun', 'kab', 'kahan', 'kya', 'tha', 'thi', 'mein', 'koi', 'aaya', 'aayi', 'gaya', 'gayi', 'hai', 'ko', 'ne', 'ka', 'ki'],
    gloss: [
      ['kitni baar', 'how many times'],
      ['kitni der', 'how long'],
      ['kitne der', 'how long'],
      ['ghar aaya', 'came home'],
      ['ghar aayi', 'came home'],
      ['kaun', 'who'],
      ['kab', 'when'],
      ['kahan', 'where'],
      ['kya', 'what'],
      ['tha', 'was'],
      ['thi', 'was'],
      ['mein', 'in'],
      ['koi', 'anyone'],
      ['aaya', 'came'],
      ['aayi', 'came'],
      ['gaya', 'went'],
      ['gayi', 'went'],
      ['dikhao', 'show'],
    ],
  },
  {
    // Vietnamese
    markers: ['ai', 'khi nao', 'luc nao', 'o dau', 'co', 'khong', 'trong', 'da', 've', 'nha', 'cua', 'la', 'chua'],
    gloss: [
      ['bao nhieu lan', 'how many times'],
      ['bao lau', 'how long'],
      ['khi nao', 'when'],
      ['luc nao', 'when'],
      ['o dau', 'where'],
      ['co ai', 'was anyone'],
      ['o trong', 'in the'],
      ['ve nha', 'came home'],
      ['ra ngoai', 'went out'],
      ['lam gi', 'did what'],
      ['ai', 'who'],
      ['trong', 'in the'],
    ],
  },
];

const ENGLISH_MARKERS = new Set([
  'the',
  'was',
  'were',
  'who',
  'did',
  'is',
  'in',
  'at',
  'and',
  'when',
  'where',
  'what',
  'anyone',
  'how',
  'to',
  'of',
  'a',
]);

function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[đĐ]/g, 'd')
    .replace(/[łŁ]/g, 'l')
    .toLowerCase();
}

const words = (s: string): string[] => s.split(/[^\p{L}\p{N}'<>-]+/u).filter((w) => w.length > 0);

/** Marker words of `markers` in the folded question (a phrase counts when it is there as words). */
function count(folded: string, markers: readonly string[]): number {
  const padded = ` ${words(folded).join(' ')} `;
  return markers.filter((m) => padded.includes(` ${m} `)).length;
}

/** Texting shorthand, read as the words it stands for ("hw many tyms", "any1", "wat did u see"). */
const TEXTING: Readonly<Record<string, string>> = {
  any1: 'anyone',
  ne1: 'anyone',
  sum1: 'someone',
  some1: 'someone',
  every1: 'everyone',
  evry1: 'everyone',
  ppl: 'people',
  wat: 'what',
  wot: 'what',
  wht: 'what',
  wen: 'when',
  whn: 'when',
  hw: 'how',
  tyms: 'times',
  tymes: 'times',
  u: 'you',
  ur: 'your',
  b4: 'before',
  abt: 'about',
  bc: 'because',
  cuz: 'because',
  coz: 'because',
  pls: 'please',
  plz: 'please',
  thx: 'thanks',
  whos: "who's",
  wheres: "where's",
  hows: "how's",
  dont: "don't",
  didnt: "didn't",
  wasnt: "wasn't",
  im: "i'm",
};

/**
 * The question in English words where it is in one of the languages above (texting shorthand read as words, too);
 * as it is otherwise.
 */
export function englishGloss(question: string): string {
  const text = question.replace(/[\p{L}\p{N}']+/gu, (w) => TEXTING[w.toLowerCase()] ?? w);
  const folded = fold(text);
  const english = words(folded).filter((w) => ENGLISH_MARKERS.has(w)).length;
  let best: Language | null = null;
  let bestCount = 1;
  for (const lang of LANGUAGES) {
    const n = count(folded, lang.markers);
    if (n > bestCount && n > english) {
      best = lang;
      bestCount = n;
    }
  }
  if (best === null) return text;
  let out = ` ${folded
    .replace(/[?!.,;:]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()} `;
  for (const [from, to] of best.gloss) out = out.split(` ${from} `).join(` ${to} `);
  return out.trim().replace(/\s+/g, ' ');
}
