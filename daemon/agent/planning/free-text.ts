/**
 * The free text of a side-effect or memory request, read from the question
 * as typed (the plan convention: a span of the question, typos and case
 * kept): the fact a statement asks to keep, what a memory question asks
 * about, the message a post carries and the hub topic it names. Every
 * planner's plan takes these where they are found (a model picks a span
 * token by token and may stop early: "remember(fact=Niamh has a key to)").
 * Null where the question does not say it in a form read here.
 */

/** Lead-ins of a statement to keep ("remember that …", "fyi, …", "just so you know …"). */
const FACT_LEAD = new RegExp(
  String.raw`^(?:(?:oh|ok|okay|also|and|hey|hi|so|um+|uh+)[\s,]+)*(?:(?:can|could|would|will) you\s+)?(?:(?:please|pls)\s+)?` +
    String.raw`(?:remember(?:\s+(?:that|say|this))?|(?:make a )?note(?:\s+that)?|keep in mind(?:\s+that)?|don['’]?t forget(?:\s+that)?|` +
    String.raw`just so you know|so you know|fyi|for your information|heads up|btw|by the way)\s*[:,]?\s+`,
  'i',
);

/** Asides after a fact that only reassure or comment ("…, he's harmless", "so don't worry if he's up", "lol"). */
const FACT_ASIDE = new RegExp(
  [
    String.raw`(?:[,;]\s*|\s+)(?:so\s+)?(?:don['’]?t|do not|no need to)\s+worry\b.*$`,
    String.raw`[,;]\s*(?:he|she|they|it)(?:['’]s|\s+is|\s+are)\s+` +
      String.raw`(?:harmless|fine|ok|okay|safe|nothing to worry about|not an? (?:intruder|stranger|burglar))\b.*$`,
    String.raw`[,;]\s*(?:so\s+)?(?:(?:please|pls)\s+)?(?:remember that|remember it|remember|note that|keep that in mind|` +
      String.raw`don['’]?t forget(?: it| that)?|do not forget(?: it| that)?)(?:\s+(?:pls|please|ok))?\s*$`,
    String.raw`\s+(?:lol|haha+|lmao|xx?)\s*$`,
    // a question or command after the fact is not part of it ("… and tell me who was in the kitchen")
    String.raw`[,;]?\s+(?:and|then|also)\s+(?:tell|show|who|what|when|where|how|did|was|were|is|are|can|could)\b.*$`,
  ].join('|'),
  'i',
);

function trimEnd(text: string): string {
  return text.replace(/[\s.!?,;:]+$/u, '').trim();
}

/** The fact a statement asks to keep, without its lead-in and reassuring asides; null when nothing is left. */
export function factToKeep(question: string): string | null {
  let fact = `${question.trim()} `.replace(FACT_LEAD, '');
  // an aside may hide behind another ("…, it's not an intruder lol")
  for (let before = ''; before !== fact; ) {
    before = fact;
    fact = trimEnd(fact).replace(FACT_ASIDE, '');
  }
  fact = trimEnd(fact);
  return fact === '' ? null : fact;
}

/** "what did I tell you about X", "remind me what I said about X": X. */
const RECALL_ABOUT = new RegExp(
  String.raw`\b(?:tell|told|say|said|mention(?:ed)?|note|noted|remember|know|written down|save|saved)\b[^?]*?\babout\s+` +
    String.raw`(.+?)[\s?.!]*(?:,?\s*(?:please|pls|again)\s*)?[\s?.!]*$`,
  'i',
);

/** Deliveries and callers: what happens at a home's door. */
const AT_THE_DOOR = new RegExp(
  String.raw`\b(?:deliver(?:y|ies|ed)|parcels?|packages?|post ?man|postie|mail ?man|courier|` +
    // at the door, not "knocked over the vase"
    String.raw`knock(?:ed|ing|s)?(?! (?:over|down|off|out|into)\b)|` +
    String.raw`trick or treaters?|carol singers?)\b`,
  'i',
);
/** A question about deliveries or callers at the door ("did the postman come", "was the delivery guy here"). */
export function asksAboutCallers(question: string): boolean {
  return AT_THE_DOOR.test(question);
}

/**
 * Whether a question may ask what the household told the agent: "what did I tell you about …", "anything in your notes
 * about …", "do you know what Audrey is allergic to", "when does Luc usually take the bins out", "when does Sandra see the
 * doctor" (a habit asked in the present). A question about the
 * cameras alone ("did grandma take her walk this morning", "can you remember what time ben left") does not.
 */
export function mayAskMemory(question: string): boolean {
  return MEMORY_WORDS.test(question.replace(REMEMBER_ASKING_ANYWHERE, '')) || HABIT_ASKED.test(question);
}

/** A habit or schedule asked in the present ("when does Sandra see the doctor", "what day does the cleaner come"). */
const HABIT_ASKED = /\b(?:when|what time|what day|which day|how often)\s+(?:does|do)\b/i;

/**
 * "remember when …", "don't forget who …", "write down who came today": a way to ask what happened, not what was said
 * ("can you remember what time ben left", "remember when grandma visited? what day was that").
 */
const REMEMBER_ASKING =
  String.raw`(?:remember|recall|don'?t forget|do not forget|note(?: down)?|write down|jot down|log|save|keep track of)\s+` +
  String.raw`(?=(?:when|who|whom|what|where|whether|if|how|which)\b)`;

const REMEMBER_ASKING_ANYWHERE = new RegExp(String.raw`\b${REMEMBER_ASKING}`, 'gi');
const REMEMBER_ASKING_FIRST = new RegExp(`^${REMEMBER_ASKING}`);

/** Whether a clause (lower case, lead-in removed) starts by asking with "remember": no fact to keep. */
export function remembersToAsk(clause: string): boolean {
  return REMEMBER_ASKING_FIRST.test(clause);
}

const MEMORY_WORDS = new RegExp(
  String.raw`\b(?:told|tell (?:you|u|ya)|said|say|mention(?:ed)?|notes?|noted|remember|remind|know|knew|forg[eo]t|wrote|written|` +
    String.raw`usual(?:ly)?|normally|always|typically|habits?|schedule|allergic|allerg(?:y|ies)|appointment|password|birthday)\b`,
  'i',
);

/** What a memory question asks about; null when it names no "about …". */
export function memoryQueryOf(question: string): string | null {
  const m = RECALL_ABOUT.exec(question.trim());
  const query = m === null ? '' : trimEnd(m[1]!);
  return query === '' ? null : query;
}

/** The message a post carries: quoted text, the text after a colon, or after "that" / "saying". */
export function hubMessageOf(question: string): string | null {
  const q = question.trim();
  const quoted = /["“](.+?)["”]/.exec(q);
  if (quoted !== null) return trimEnd(quoted[1]!) || null;
  // a colon that introduces the message, not one inside a clock time ("at 7:30")
  const colon = /^[^:]{3,80}(?<!\d):\s*(.+)$/.exec(q);
  if (colon !== null) return trimEnd(colon[1]!) || null;
  // "that" introducing the message, not "that" as the thing to post ("put that on the board")
  const that = /\b(?:that|saying)\s+(?!(?:on|onto|to|in|up|for)\b)(.+)$/i.exec(q);
  if (that !== null) return trimEnd(that[1]!) || null;
  const told = new RegExp(
    String.raw`\b(?:tell|notify|announce to|send to|let) (?:the )?` +
      String.raw`(?:hub|home hub|speakers?|everyone|everybody|the house|the family)(?: know)? (.+)$`,
    'i',
  ).exec(q);
  if (told !== null) return trimEnd(told[1]!) || null;
  return null;
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 1)
    .map((w) => w.replace(/s$/, ''));
}

/**
 * The hub topic a post names, by the words of the topic after its first segment ("byrne/noticeboard" is the
 * noticeboard, "home/carer_log" the carer log or board, "home/display/kitchen" the kitchen display): the topic
 * with the most of its words in the question, where exactly one has the most. Words written together count
 * ("notice board" is the noticeboard).
 */
export function hubTopicOf(question: string, topics: readonly string[]): string | null {
  const said = words(question);
  const compact = said.join('');
  let best: string[] = [];
  let bestScore = 0;
  for (const topic of topics) {
    const segments = topic.split('/');
    const own = words(segments.slice(segments.length > 1 ? 1 : 0).join(' '));
    const score = own.filter((w) => said.includes(w) || (w.length > 5 && compact.includes(w))).length;
    if (score > bestScore) {
      bestScore = score;
      best = [topic];
    } else if (score === bestScore && score > 0) best.push(topic);
  }
  return best.length === 1 ? best[0]! : null;
}
