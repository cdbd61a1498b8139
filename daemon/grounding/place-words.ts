/**
 * Other words for a household's places. A camera id's core, without the words that only say it is a camera ("cam",
 * numbers, "side", "view": `garage_side` is the garage, `cam_kitchen_2` the kitchen); English synonyms of a whole
 * room name ("the lounge" for the living room, "the loo" for the bathroom); and below, the room words of the
 * languages households mix into their English.
 */
const ID_NOISE = /^(?:cam|cams|camera|cameras|cctv|ip|ipcam|webcam|cam\d+|\d+|side|view)$/;

/** The words of a place name without the camera words, or null when that leaves nothing or changes nothing. */
export function placeCore(words: string): string | null {
  const kept = words.split(' ').filter((w) => !ID_NOISE.test(w));
  const core = kept.join(' ');
  return kept.length === 0 || core === words ? null : core;
}

/** The doorbell camera by its kind or brand ("anything on the ring today", "the video doorbell"). */
const DOORBELL = ['doorbell', 'door bell', 'bell', 'the ring', 'ring cam', 'ring camera', 'ring doorbell', 'video doorbell'];

/** English synonyms of a whole room name. */
const SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  'living room': ['lounge', 'sitting room', 'front room', 'family room', 'tv room', 'livingroom', 'living area', 'lounge area'],
  lounge: ['living room', 'sitting room', 'front room'],
  'sitting room': ['living room', 'lounge', 'front room'],
  hallway: ['hall', 'corridor', 'entryway', 'foyer'],
  hall: ['hallway', 'corridor', 'entryway', 'foyer'],
  corridor: ['hallway', 'hall', 'passage'],
  entryway: ['entrance', 'entry', 'foyer', 'hallway', 'hall', 'front door', 'main door'],
  foyer: ['entrance', 'entryway', 'hallway', 'hall'],
  entrance: ['entry', 'entryway', 'front entrance', 'front door', 'main door', 'door'],
  'main door': ['front door', 'entrance', 'door', ...DOORBELL],
  'family room': ['living room', 'lounge', 'tv room', 'den'],
  // a kitchen-diner is the kitchen and the dining room
  'kitchen diner': ['kitchen', 'dining room', 'diner', 'dining area'],
  'dining room': ['dining area', 'diner'],
  garden: ['yard', 'backyard', 'back yard'],
  'back garden': ['backyard', 'back yard', 'garden'],
  yard: ['garden', 'backyard'],
  backyard: ['back garden', 'garden', 'yard'],
  'front garden': ['front yard'],
  'front yard': ['front garden'],
  bathroom: ['loo', 'toilet', 'washroom', 'restroom', 'wc'],
  office: ['study', 'home office'],
  study: ['office', 'home office'],
  'kids room': ["kids' room", 'playroom', 'nursery'],
  nursery: ['baby room', "baby's room", 'baby monitor', 'baby cam', 'baby monitor cam'],
  driveway: ['drive'],
  porch: ['stoop', 'veranda', 'front step', 'doorstep', ...DOORBELL],
  'front porch': ['porch', 'stoop', 'front step', 'doorstep', ...DOORBELL],
  // "who rang the bell": the doorbell is at the front door
  'front door': ['front step', 'doorstep', 'front entrance', 'entrance', 'main door', 'main entrance', ...DOORBELL],
  'front entrance': ['front door', 'entrance', 'entry', 'entryway', 'main door', 'main entrance', ...DOORBELL],
  'main entrance': ['front door', 'entrance', 'entry', 'main door', 'front entrance', ...DOORBELL],
  doorbell: ['front door', ...DOORBELL.slice(1)],
  'utility room': ['utility', 'laundry room', 'laundry'],
  'laundry room': ['laundry', 'utility room'],
  parking: ['car park', 'parking lot', 'parking space', 'parking spot'],
  'car park': ['parking', 'parking lot'],
  balcony: ['terrace', 'veranda', 'verandah'],
  veranda: ['verandah', 'porch', 'balcony'],
  verandah: ['veranda', 'porch', 'balcony'],
  // a Japanese home's entrance and its tatami room
  genkan: ['entrance', 'entryway', 'front door', 'foyer'],
  'tatami room': ['washitsu', 'japanese room'],
  'bike parking': ['bikes', 'bike shed', 'bike rack', 'bike storage', 'bicycles'],
  'bike shed': ['bikes', 'bike parking', 'bike rack', 'bike store'],
  workshop: ['shop', 'work shop'],
  shop: ['workshop'],
  den: ['family room', 'tv room'],
  carport: ['car port'],
  // a flat roof is the terrace in many homes
  terrace: ['balcony', 'patio', 'roof', 'rooftop', 'roof terrace'],
  'pooja room': ['puja room', 'prayer room', 'shrine room', 'mandir'],
  'puja room': ['pooja room', 'prayer room', 'shrine room', 'mandir'],
  'prayer room': ['pooja room', 'puja room'],
  landing: ['stairs', 'staircase', 'stairway', 'top of the stairs', 'upstairs landing'],
  'upstairs landing': ['landing', 'stairs', 'staircase', 'top of the stairs'],
  stairs: ['staircase', 'stairway', 'landing'],
  'bin store': ['bins', 'bin area', 'bin shed'],
  'bike store': ['bikes', 'bike shed', 'bike storage', 'bike rack'],
  patio: ['terrace'],
  rooftop: ['roof', 'roof top', 'roof terrace'],
  roof: ['rooftop', 'roof top'],
  basement: ['cellar'],
  cellar: ['basement'],
  attic: ['loft'],
  loft: ['attic'],
};

/** English synonyms of a whole room name ("living room" → "lounge", "sitting room", …). */
export function placeSynonyms(words: string): readonly string[] {
  // someone's bedroom is their room: "the kids' bedroom" is "the kids room", "the guest bedroom" "the guest room"
  const owner = /^(.+) bedroom$/.exec(words)?.[1];
  return [...(SYNONYMS[words] ?? []), ...(owner === undefined ? [] : [`${owner} room`])];
}

/** Words that only say a zone is an area ("tv_area", "reading corner"). */
const ZONE_NOISE = /^(?:area|corner|zone|spot|section|region)$/;

/** Other words for the things camera zones are drawn around. */
const ZONE_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  sofa: ['couch', 'settee'],
  couch: ['sofa', 'settee'],
  settee: ['sofa', 'couch'],
  fridge: ['refrigerator'],
  refrigerator: ['fridge'],
  crib: ['cot'],
  cot: ['crib'],
  tv: ['television', 'telly'],
  television: ['tv', 'telly'],
  bins: ['bin', 'wheelie bins', 'rubbish bins', 'trash cans', 'garbage cans'],
  sandbox: ['sandpit'],
  sandpit: ['sandbox'],
  stove: ['cooker', 'hob'],
  cooker: ['stove', 'hob'],
  'washing line': ['clothesline', 'clothes line'],
  pool: ['swimming pool'],
  'swimming pool': ['pool'],
  'front step': ['doorstep'],
  doorstep: ['front step'],
  desk: ['work desk'],
};

/**
 * The last word of a multi-word zone name ("table" of dining_table, "shed" of bike_shed), or null where it only says
 * the zone is an area ("reading_corner"), is a number or is shorter than three letters.
 */
export function zoneHeadWord(words: string): string | null {
  const parts = words.split(' ');
  const last = parts[parts.length - 1]!;
  return parts.length < 2 || last.length < 3 || ZONE_NOISE.test(last) || /^\d+$/.test(last) ? null : last;
}

/**
 * A zone's other names ("sofa" → "couch", "settee"; "tv_area" → "tv", "television", "telly"): its name without the
 * words that only say it is an area (not when that leaves a verb form: "washing_area" is no "washing") and the
 * synonyms of both.
 */
export function zoneWords(words: string): string[] {
  const kept = words.split(' ').filter((w) => !ZONE_NOISE.test(w));
  const core = kept.join(' ');
  const cores = kept.length === 0 || core === words || /ing$/.test(core) ? [words] : [words, core];
  const out = new Set<string>([...cores.slice(1), ...cores.flatMap((c) => ZONE_SYNONYMS[c] ?? [])]);
  out.delete(words);
  return [...out];
}

/**
 * Room words of the languages households mix into their English ("wer war im Garten", "quem estava na cozinha",
 * "rasoi mein kaun tha", "ai ở trong bếp", "vem var i köket"): each English room word with its German, Portuguese,
 * Spanish, French, Italian, Dutch, Polish (with the locative of "w kuchni"), Hindi (Latin letters), Vietnamese and
 * Scandinavian words (with the definite form of "köket"), written without accents (lookups fold them).
 * The lexicon gives a household place named with the English word these words, too. Words that are also common
 * English words or names (German "Bad", Dutch "gang" and "trap", Vietnamese "sân") are left out.
 */
const ROOM_WORDS: Readonly<Record<string, readonly string[]>> = {
  kitchen: [
    'kuche',
    'kueche',
    'cozinha',
    'cocina',
    'cuisine',
    'cucina',
    'keuken',
    'kuchnia',
    'kuchni',
    'rasoi',
    'rasoi ghar',
    'bep',
    'nha bep',
    'kok',
    'koket',
    'kjokken',
    'kjokkenet',
    'kokken',
    'kokkenet',
  ],
  garden: [
    'garten',
    'jardim',
    'jardin',
    'giardino',
    'tuin',
    'ogrod',
    'ogrodzie',
    'bagicha',
    'bageecha',
    'bagheecha',
    'vuon',
    'tradgard',
    'tradgarden',
    'hage',
    'hagen',
  ],
  'living room': [
    'wohnzimmer',
    'sala',
    'sala de estar',
    'salon',
    'soggiorno',
    'woonkamer',
    'pokoj dzienny',
    'baithak',
    'drawing room',
    'phong khach',
    'vardagsrum',
    'vardagsrummet',
    'stue',
    'stuen',
    'stua',
  ],
  bedroom: [
    'schlafzimmer',
    'quarto',
    'dormitorio',
    'chambre',
    'camera da letto',
    'slaapkamer',
    'sypialnia',
    'sypialni',
    'phong ngu',
    'sovrum',
    'sovrummet',
    'soverom',
    'soverommet',
    'sovevaerelse',
  ],
  hallway: ['flur', 'diele', 'corredor', 'pasillo', 'couloir', 'corridoio', 'korytarz', 'korytarzu', 'hanh lang', 'hallen', 'gangen'],
  'front door': [
    'haustur',
    'haustuer',
    'porta da frente',
    'puerta principal',
    'porte d entree',
    'voordeur',
    'cua chinh',
    'cua truoc',
    'ytterdorr',
    'ytterdorren',
    'hoveddor',
    'hoveddoren',
    'hoveddora',
  ],
  entrance: ['eingang', 'entrada', 'entree', 'ingresso', 'ingang', 'wejscie'],
  garage: ['garagem', 'garaje', 'garaz', 'garazu', 'nha xe', 'gara', 'garaget', 'garasjen', 'garasje'],
  gate: ['tor', 'portao', 'porton', 'portail', 'cancello', 'poort', 'brama', 'cong'],
  basement: ['keller', 'porao', 'sotano', 'sous-sol', 'cantina', 'kelder', 'piwnica', 'piwnicy', 'tang ham'],
  bathroom: [
    'badezimmer',
    'banheiro',
    'bano',
    'salle de bain',
    'bagno',
    'badkamer',
    'lazienka',
    'lazience',
    'phong tam',
    'badrum',
    'badrummet',
    'baderom',
    'badevaerelse',
  ],
  balcony: ['balkon', 'varanda', 'balcon', 'balcone', 'ban cong', 'balkong', 'balkongen', 'altan', 'altanen'],
  driveway: ['einfahrt', 'auffahrt', 'entrada de carros', 'oprit', 'podjazd'],
  yard: ['hof', 'quintal', 'patio', 'aangan'],
  'dining room': ['esszimmer', 'sala de jantar', 'comedor', 'salle a manger', 'sala da pranzo', 'eetkamer', 'jadalnia', 'phong an'],
  office: ['buro', 'buero', 'arbeitszimmer', 'escritorio', 'bureau', 'ufficio', 'kantoor', 'biuro', 'phong lam viec'],
  stairs: ['treppe', 'escada', 'escalera', 'escalier', 'schody', 'cau thang'],
  'kids room': ['kinderzimmer', 'quarto das criancas', 'chambre des enfants', 'kinderkamer', 'pokoj dzieci', 'phong tre em'],
};

/** English room words, longest first, as whole words. */
const ENGLISH = Object.keys(ROOM_WORDS)
  .sort((a, b) => b.length - a.length)
  .map((en) => [en, new RegExp(`(?<![a-z])${en}(?![a-z])`)] as const);

/**
 * The other languages' words for a place's English words ("kitchen" → "kuche", "cozinha", …; "kitchen cam" →
 * "kuche cam", …): the place's name with its first English room word replaced by each.
 */
export function foreignPlaceWords(words: string): string[] {
  for (const [en, re] of ENGLISH) {
    if (re.test(words)) return ROOM_WORDS[en]!.map((w) => words.replace(re, w));
  }
  return [];
}
