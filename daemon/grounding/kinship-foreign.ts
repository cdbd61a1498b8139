/**
 * Kinship words of the languages households mix into their English ("war Oma heute im Garten", "a vovó chegou?",
 * "nani kab aayi", "bà ngoại đâu rồi"), by the English kinship word a household configures: a person the household
 * calls "grandma" is also "Oma", "nonna", "nani"… Written without accents (lookups fold them). Words that are
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

/** The other languages' words for an English kinship word ("grandma" → "oma", "nonna", "nani", …). */
export function foreignKinshipWords(kinship: string): readonly string[] {
  return KIN_WORDS[kinship.toLowerCase()] ?? [];
}
