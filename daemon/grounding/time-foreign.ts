/**
 * Time words of the languages households mix into their English ("wer war gestern abend im Garten", "quem chegou
 * hoje de manhã", "kal raat kitchen mein kaun tha", "tối qua ai ở trong bếp"), each with the English phrase the
 * resolver reads: German, Portuguese, Spanish, French, Italian, Dutch, Polish, Hindi in Latin letters and
 * Vietnamese. One table: the span finder finds these words as time pieces, the resolver reads a phrase through
 * `englishTimePhrase`. Words are matched without accents (people type "toi qua" for "tối qua"), longest first.
 */

const N = String.raw`(\d{1,2}(?:[:.]\d{2})?)`;

/** The hour before N, on the 12-hour dial: German "halb 8" is 7:30, "viertel vor 8" 7:45. */
const hourBefore = (n: string): number => (Number(n) + 11) % 12 || 12;

/**
 * [pattern on the folded, lower-case text, its English]; `$1`, `$2` take the pattern's numbers, a function builds
 * the English from them.
 */
const FOREIGN_TIME: ReadonlyArray<readonly [string, string | ((...groups: string[]) => string)]> = [
  // German
  ['vorgestern', 'the day before yesterday'],
  [String.raw`(?:um )?halb (\d{1,2})(?: uhr)?`, (_m, n) => `at ${hourBefore(n!)}:30`],
  [String.raw`(?:um )?viertel nach (\d{1,2})`, (_m, n) => `at ${n}:15`],
  [String.raw`(?:um )?viertel vor (\d{1,2})`, (_m, n) => `at ${hourBefore(n!)}:45`],
  [String.raw`gestern (?:morgen|fruh|frueh|vormittag)`, 'yesterday morning'],
  ['gestern nachmittag', 'yesterday afternoon'],
  ['gestern abend', 'yesterday evening'],
  [String.raw`(?:gestern nacht|letzte nacht)`, 'last night'],
  [String.raw`heute (?:morgen|fruh|frueh|vormittag)`, 'this morning'],
  ['heute mittag', 'at lunchtime'],
  ['heute nachmittag', 'this afternoon'],
  ['heute abend', 'this evening'],
  ['heute nacht', 'tonight'],
  ['heute', 'today'],
  ['gestern', 'yesterday'],
  ['jetzt', 'right now'],
  ['morgens', 'in the morning'],
  ['nachmittags', 'in the afternoon'],
  ['abends', 'in the evening'],
  ['nachts', 'at night'],
  ['mittags', 'at lunchtime'],
  ['letzte woche', 'last week'],
  ['diese woche', 'this week'],
  ['am wochenende', 'over the weekend'],
  [String.raw`zwischen ${N}(?: uhr)? und ${N}(?: uhr)?`, 'between $1 and $2'],
  [String.raw`um ${N}(?: uhr)?`, 'at $1'],
  [String.raw`gegen ${N}(?: uhr)?`, 'around $1'],
  [String.raw`seit ${N}(?: uhr)?`, 'since $1'],
  [String.raw`vor (?:einer|1) stunde`, 'an hour ago'],
  [String.raw`vor (\d+) (?:stunden)`, '$1 hours ago'],
  [String.raw`vor (\d+) (?:minuten)`, '$1 minutes ago'],
  ['in der letzten stunde', 'in the last hour'],
  [String.raw`in den letzten (\d+) stunden`, 'in the last $1 hours'],
  [String.raw`(?:am |letzten )?montag`, 'monday'],
  [String.raw`(?:am |letzten )?dienstag`, 'tuesday'],
  [String.raw`(?:am |letzten )?mittwoch`, 'wednesday'],
  [String.raw`(?:am |letzten )?donnerstag`, 'thursday'],
  [String.raw`(?:am |letzten )?freitag`, 'friday'],
  [String.raw`(?:am |letzten )?(?:samstag|sonnabend)`, 'saturday'],
  [String.raw`(?:am |letzten )?sonntag`, 'sunday'],
  // Portuguese
  ['anteontem', 'the day before yesterday'],
  [String.raw`ontem (?:de manha|pela manha|cedo)`, 'yesterday morning'],
  [String.raw`ontem (?:a|de) tarde`, 'yesterday afternoon'],
  [String.raw`ontem (?:a |de )?noite`, 'last night'],
  [String.raw`hoje (?:de manha|pela manha|cedo)`, 'this morning'],
  [String.raw`hoje (?:a|de) tarde`, 'this afternoon'],
  [String.raw`hoje (?:a|de) noite`, 'tonight'],
  ['de madrugada', 'in the middle of the night'],
  ['hoje', 'today'],
  ['ontem', 'yesterday'],
  ['agora', 'right now'],
  [String.raw`(?:de|pela) manha`, 'in the morning'],
  [String.raw`(?:a|de) tarde`, 'in the afternoon'],
  [String.raw`(?:a|de) noite`, 'at night'],
  [String.raw`(?:ao )?meio[- ]dia`, 'noon'],
  [String.raw`entre (?:as )?${N}h? e (?:as )?${N}h?`, 'between $1 and $2'],
  [String.raw`por volta d[ae]s? ${N}h?`, 'around $1'],
  [String.raw`desde as ${N}h?`, 'since $1'],
  [String.raw`as ${N}(?:h| horas)?`, 'at $1'],
  [String.raw`ha (?:uma|1) hora`, 'an hour ago'],
  [String.raw`ha (\d+) horas`, '$1 hours ago'],
  [String.raw`ha (\d+) minutos`, '$1 minutes ago'],
  ['semana passada', 'last week'],
  [String.raw`(?:esta|essa) semana`, 'this week'],
  ['no fim de semana', 'over the weekend'],
  [String.raw`(?:na |na ultima )?segunda(?:-feira)?`, 'monday'],
  [String.raw`(?:na |na ultima )?terca(?:-feira)?`, 'tuesday'],
  [String.raw`(?:na |na ultima )?quarta(?:-feira)?`, 'wednesday'],
  [String.raw`(?:na |na ultima )?quinta(?:-feira)?`, 'thursday'],
  [String.raw`(?:na |na ultima )?sexta(?:-feira)?`, 'friday'],
  [String.raw`(?:no |no ultimo )?sabado`, 'saturday'],
  [String.raw`(?:no |no ultimo )?domingo`, 'sunday'],
  // Spanish
  ['anteayer', 'the day before yesterday'],
  ['anoche', 'last night'],
  [String.raw`ayer por la manana`, 'yesterday morning'],
  [String.raw`ayer por la tarde`, 'yesterday afternoon'],
  [String.raw`ayer por la noche`, 'last night'],
  ['esta manana', 'this morning'],
  ['esta tarde', 'this afternoon'],
  ['esta noche', 'tonight'],
  ['hoy', 'today'],
  ['ayer', 'yesterday'],
  ['ahora', 'right now'],
  [String.raw`entre las ${N} y las ${N}`, 'between $1 and $2'],
  [String.raw`(?:hacia|sobre) las ${N}`, 'around $1'],
  [String.raw`a las ${N}`, 'at $1'],
  [String.raw`(?:el )?lunes`, 'monday'],
  [String.raw`(?:el )?martes`, 'tuesday'],
  [String.raw`(?:el )?miercoles`, 'wednesday'],
  [String.raw`(?:el )?jueves`, 'thursday'],
  [String.raw`(?:el )?viernes`, 'friday'],
  // French
  ['avant-hier', 'the day before yesterday'],
  ['hier matin', 'yesterday morning'],
  [String.raw`hier apres-midi`, 'yesterday afternoon'],
  ['hier soir', 'yesterday evening'],
  ['cette nuit', 'last night'],
  ['ce matin', 'this morning'],
  [String.raw`cet apres-midi`, 'this afternoon'],
  ['ce soir', 'this evening'],
  [String.raw`aujourd'?hui`, 'today'],
  ['hier', 'yesterday'],
  ['maintenant', 'right now'],
  [String.raw`entre ${N}h? et ${N}h?`, 'between $1 and $2'],
  [String.raw`vers ${N}h`, 'around $1'],
  [String.raw`a (\d{1,2})h(\d{2})?`, 'at $1'],
  [String.raw`(?:le |ce )?lundi`, 'monday'],
  [String.raw`(?:le |ce )?mardi`, 'tuesday'],
  [String.raw`(?:le |ce )?mercredi`, 'wednesday'],
  [String.raw`(?:le |ce )?jeudi`, 'thursday'],
  [String.raw`(?:le |ce )?vendredi`, 'friday'],
  [String.raw`(?:le |ce )?samedi`, 'saturday'],
  [String.raw`(?:le |ce )?dimanche`, 'sunday'],
  // Italian
  [String.raw`(?:l'altro ieri|altroieri)`, 'the day before yesterday'],
  ['ieri mattina', 'yesterday morning'],
  ['ieri pomeriggio', 'yesterday afternoon'],
  ['ieri sera', 'yesterday evening'],
  [String.raw`(?:stamattina|stamani|questa mattina)`, 'this morning'],
  [String.raw`(?:oggi pomeriggio|questo pomeriggio)`, 'this afternoon'],
  ['stasera', 'this evening'],
  ['stanotte', 'last night'],
  ['oggi', 'today'],
  ['ieri', 'yesterday'],
  ['adesso', 'right now'],
  [String.raw`alle ${N}`, 'at $1'],
  // Dutch
  ['eergisteren', 'the day before yesterday'],
  ['gisterochtend', 'yesterday morning'],
  ['gistermiddag', 'yesterday afternoon'],
  ['gisteravond', 'yesterday evening'],
  [String.raw`(?:vanochtend|vanmorgen)`, 'this morning'],
  ['vanmiddag', 'this afternoon'],
  ['vanavond', 'this evening'],
  ['vannacht', 'last night'],
  ['vandaag', 'today'],
  ['gisteren', 'yesterday'],
  [String.raw`om ${N}(?: uur)?`, 'at $1'],
  // Polish
  ['przedwczoraj', 'the day before yesterday'],
  ['wczoraj rano', 'yesterday morning'],
  ['wczoraj wieczorem', 'yesterday evening'],
  [String.raw`(?:dzisiaj|dzis) rano`, 'this morning'],
  [String.raw`(?:dzisiaj|dzis) wieczorem`, 'this evening'],
  [String.raw`(?:dzisiaj|dzis)`, 'today'],
  ['wczoraj', 'yesterday'],
  ['teraz', 'right now'],
  ['w nocy', 'at night'],
  [String.raw`o ${N} rano`, 'at $1 am'],
  [String.raw`o ${N} wieczorem`, 'at $1 pm'],
  // Hindi in Latin letters
  ['parson', 'the day before yesterday'],
  ['kal raat', 'last night'],
  ['kal subah', 'yesterday morning'],
  ['kal dopahar', 'yesterday afternoon'],
  [String.raw`kal sha?am`, 'yesterday evening'],
  ['aaj subah', 'this morning'],
  ['aaj dopahar', 'this afternoon'],
  [String.raw`aaj sha?am`, 'this evening'],
  ['aaj raat', 'tonight'],
  ['aaj', 'today'],
  // "kal" is yesterday or tomorrow; asked about what the cameras saw, yesterday
  ['kal', 'yesterday'],
  ['abhi', 'right now'],
  ['subah', 'in the morning'],
  ['dopahar', 'in the afternoon'],
  [String.raw`sha?am (?:ko)?`, 'in the evening'],
  [String.raw`raat (?:ko|mein)`, 'at night'],
  [String.raw`(?:lagbhag )?${N} baje (?:ke )?(?:aas ?paas|kareeb)`, 'around $1'],
  [String.raw`${N} baje`, 'at $1'],
  ['pichle hafte', 'last week'],
  ['is hafte', 'this week'],
  [String.raw`ek ghante? pehle`, 'an hour ago'],
  [String.raw`(\d+) ghante? pehle`, '$1 hours ago'],
  [String.raw`(\d+) minute? pehle`, '$1 minutes ago'],
  [String.raw`somvar(?: ko)?`, 'monday'],
  [String.raw`mangalvar(?: ko)?`, 'tuesday'],
  [String.raw`budhvar(?: ko)?`, 'wednesday'],
  [String.raw`(?:guruvar|brihaspativar)(?: ko)?`, 'thursday'],
  [String.raw`shukravar(?: ko)?`, 'friday'],
  [String.raw`shanivar(?: ko)?`, 'saturday'],
  [String.raw`ravivar(?: ko)?`, 'sunday'],
  // Vietnamese (đ read as d)
  ['hom kia', 'the day before yesterday'],
  [String.raw`sang (?:hom )?qua`, 'yesterday morning'],
  [String.raw`chieu (?:hom )?qua`, 'yesterday afternoon'],
  [String.raw`toi (?:hom )?qua`, 'yesterday evening'],
  [String.raw`dem (?:hom )?qua`, 'last night'],
  ['sang nay', 'this morning'],
  ['trua nay', 'at lunchtime'],
  ['chieu nay', 'this afternoon'],
  ['toi nay', 'this evening'],
  ['dem nay', 'tonight'],
  ['hom nay', 'today'],
  ['hom qua', 'yesterday'],
  [String.raw`(?:bay gio|luc nay)`, 'right now'],
  [String.raw`khoang ${N} gio`, 'around $1'],
  [String.raw`(?:luc )?${N} gio sang`, 'at $1 am'],
  [String.raw`(?:luc )?${N} gio (?:chieu|toi)`, 'at $1 pm'],
  [String.raw`luc ${N} gio`, 'at $1'],
  [String.raw`${N} gio`, 'at $1'],
  ['tuan truoc', 'last week'],
  ['tuan nay', 'this week'],
  [String.raw`(\d+) tieng truoc`, '$1 hours ago'],
  [String.raw`(\d+) phut truoc`, '$1 minutes ago'],
  ['thu hai', 'monday'],
  ['thu ba', 'tuesday'],
  ['thu tu', 'wednesday'],
  ['thu nam', 'thursday'],
  ['thu sau', 'friday'],
  ['thu bay', 'saturday'],
  ['chu nhat', 'sunday'],
];

/** Whole words only: no letter or digit right before or after. */
const edge = (body: string): string => String.raw`(?<![\p{L}\p{N}])(?:${body})(?![\p{L}\p{N}])`;
const ENTRIES = FOREIGN_TIME.map(([body, english]) => ({ re: new RegExp(edge(body), 'gu'), english }));
/** Any of them, in one scan: most questions have none, and then the entries are not tried one by one. */
const ANY = new RegExp(edge(FOREIGN_TIME.map(([body]) => body.replace(/\((?!\?)/g, '(?:')).join('|')), 'u');

/**
 * A copy of lower-case text with the same length and each letter without its accents ("tối" → "toi", "đêm" →
 * "dem"), so spans found in it point into the text.
 */
export function foldSameLength(text: string): string {
  let out = '';
  for (const ch of text) {
    const base = ch === 'đ' || ch === 'Đ' ? 'd' : ch.normalize('NFD').replace(/\p{M}+/gu, '');
    out += base.length === ch.length ? base : ch;
  }
  return out;
}

/** [start, end) of every foreign time word in lower-case text. */
export function foreignTimePieces(lower: string): Array<[number, number]> {
  const folded = foldSameLength(lower);
  const out: Array<[number, number]> = [];
  if (!ANY.test(folded)) return out;
  for (const { re } of ENTRIES) for (const m of folded.matchAll(re)) out.push([m.index, m.index + m[0].length]);
  return out;
}

/** The phrase with its foreign time words in English ("gestern abend um 8" → "yesterday evening at 8"). */
export function englishTimePhrase(phrase: string): string {
  let out = foldSameLength(phrase.toLowerCase());
  if (!ANY.test(out)) return out;
  for (const { re, english } of ENTRIES) out = typeof english === 'string' ? out.replace(re, english) : out.replace(re, english);
  return out;
}
