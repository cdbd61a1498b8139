/**
 * Kinship words: the English synonyms of a household's relation word ("mother": "mom", "mum") and the words of the
 * languages households mix into their English ("war Oma heute im Garten", "a vovó chegou?", "nani kab aayi", "bà ngoại
 * đâu rồi"), by the English kinship word a household configures: a person the household calls "grandma" is also
 * "Oma", "nonna", "nani"… Written without accents (lookups fold them). Words that are
 * English words or read two ways once folded are left out (Portuguese "vovó"/"vovô" and "avó"/"avô", German "Frau"
 * and "Mann", Vietnamese "mẹ", "bố", "bà" alone, Hindi "nana" and "dada").
 */
const KIN_WORDS: Readonly<Record<string, readonly string[]>> = {
  grandma: ['oma', 'omi', 'nonna', 'abuela', 'abuelita', 'mamie', 'babcia', 'nani', 'dadi', 'ba ngoai', 'ba noi'],
  grandmother: ['oma', 'nonna', 'abuela', 'babcia', 'nani', 'dadi', 'ba ngoai', 'ba noi'],
  grandpa: ['opa', 'nonno', 'abuelo', 'abuelito', 'papy', 'dziadek', 'dziadzio', 'ong ngoai', 'ong noi'],
  grandfather: ['opa', 'nonno', 'abuelo', 'dziadek', 'ong ngoai', 'ong noi'],
  mum: ['mutti', 'mami', 'mae', 'mamae', 'maman', 'mamma', 'mamusia', 'maa', 'ammi'],
  mom: ['mutti', 'mami', 'mae', 'mamae', 'maman', 'mamma', 'mamusia', 'maa', 'ammi'],
  mother: ['mutter', 'mae', 'madre', 'mere', 'matka', 'maa'],
  dad: ['vati', 'papi', 'pai', 'papai', 'tata', 'abbu', 'pitaji'],
  father: ['vater', 'pai', 'padre', 'pere', 'ojciec', 'pitaji'],
  son: ['sohn', 'filho', 'hijo', 'fils', 'figlio', 'zoon', 'syn', 'beta', 'con trai'],
  daughter: ['tochter', 'filha', 'hija', 'fille', 'figlia', 'dochter', 'corka', 'beti', 'con gai'],
  wife: ['ehefrau', 'esposa', 'moglie', 'patni', 'biwi'],
  husband: ['ehemann', 'marido', 'esposo', 'mari', 'marito', 'maz', 'pati'],
};

/**
 * English words for one kinship or job in the home, as people say them: a household that writes the relation "mother"
 * is asked "where's mom", one that writes "grandmother" is asked about "grandma", one with a "housekeeper" about "the
 * maid". Words that are also common verbs, fillers or forms of
 * address ("pop", "pa", "ma", "bro", "sis") are left out.
 */
const ENGLISH_KIN: ReadonlyArray<readonly string[]> = [
  ['mother', 'mom', 'mum', 'mommy', 'mummy', 'mama', 'mam'],
  ['father', 'dad', 'daddy', 'papa'],
  ['grandmother', 'grandma', 'granny', 'gran', 'nana', 'nan', 'grandmom', 'grandmum'],
  ['grandfather', 'grandpa', 'grandad', 'granddad', 'gramps'],
  ['husband', 'hubby', 'other half', 'better half', 'spouse'],
  ['wife', 'missus', 'other half', 'better half', 'spouse'],
  // a household that writes "partner" is asked about "my wife", "my boyfriend", "my other half"
  ['partner', 'other half', 'better half', 'spouse', 'significant other', 'husband', 'wife', 'hubby', 'missus', 'boyfriend', 'girlfriend'],
  ['mother-in-law', 'mother in law', 'mum-in-law', 'mum in law', 'mom-in-law', 'mom in law', 'mil'],
  ['father-in-law', 'father in law', 'dad-in-law', 'dad in law'],
  // the people who work in a home, by the other words households use for the same job
  ['housekeeper', 'maid', 'cleaner', 'cleaning lady', 'house help', 'househelp'],
  ['nanny', 'childminder', 'babysitter', 'sitter'],
  ['carer', 'caregiver', 'care worker'],
  ['ranch hand', 'farm hand', 'farmhand', 'hired hand'],
  ['gardener', 'groundskeeper'],
];

/**
 * The other words for a kinship word: its English synonyms and every language's words for them ("mother" → "mom",
 * "mum", "mutter", "mamae"…; "grandma" → "granny", "oma", "nonna", "nani", …).
 */
export function kinshipWords(kinship: string): readonly string[] {
  const k = kinship.toLowerCase();
  const english = ENGLISH_KIN.find((words) => words.includes(k)) ?? [k];
  const out = new Set(english.flatMap((w) => [w, ...(KIN_WORDS[w] ?? [])]));
  out.delete(k);
  return [...out];
}
