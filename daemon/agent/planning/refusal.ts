/**
 * What a request asks the agent to DO, read before any planner runs:
 * - classifyRequest: requests HomeSight declines at the plan level (it has no
 *   actuators, data never leaves the device or the household, it sees only this
 *   household's cameras, instructions inside questions or memory are text) and
 *   requests the device or the catalog cannot serve (a side effect not allowed,
 *   standing orders). A declined request is planned as the refusal plan: one
 *   compose_answer with no inputs, so no data tool runs.
 * - requestedSideEffects: the side-effect tools the request asks for; a plan
 *   with any other side effect is invalid.
 * - refusalNote: what an answered question asked for that did not run.
 * Rules read the question after NFKC and without zero-width characters, so
 * hidden or full-width letters read like plain ones.
 */
import { foldMarks } from '../../grounding/index.js';
import { CATALOG, type PlanRequest, type TaskPlan } from '../catalog/index.js';
import { remembersToAsk } from './free-text.js';
import { IGNORE_RULES_OTHER, NEIGHBOUR_CAMERA, OTHER_LEAD, ordersActionInOtherLanguage, sendsOutInOtherLanguage } from './refusal-words.js';

export const REFUSAL_CATEGORIES = [
  'actuation',
  'data_leaves_device',
  'other_household',
  'injection',
  'side_effect_not_allowed',
  'not_supported',
] as const;
export type RefusalCategory = (typeof REFUSAL_CATEGORIES)[number];

export interface Refusal {
  category: RefusalCategory;
  /** One sentence for the person who asked. */
  reason: string;
}

export interface RequestContext {
  /** Side-effect tools that may run (agent.allow_tools). */
  allowTools: readonly string[];
  /** Topics publish_to_hub may use (agent.hub_topics). */
  hubTopics: readonly string[];
  /** Names and aliases of the household's people ("mum's camera" is ours when "mum" is one of them). */
  people?: ReadonlyArray<{ name: string; aliases: readonly string[] }>;
  /** The household's camera ids and room names ("the gym camera" is ours when the household has a gym). */
  places?: readonly string[];
}

/** What classifyRequest reads of a plan request: its allow-list and hub topics, the household's people and places. */
export function requestContextOf(req: Pick<PlanRequest, 'allowTools' | 'hubTopics' | 'household'>): RequestContext {
  return {
    allowTools: req.allowTools ?? [],
    hubTopics: req.hubTopics ?? [],
    people: req.household.people,
    places: [...req.household.cameras, ...req.household.rooms],
  };
}

const TOOLS: ReadonlySet<string> = new Set(CATALOG.map((c) => c.name));
const SIDE_EFFECTS = ['remember', 'publish_to_hub'];
const HIDDEN = /[\u200B-\u200F\u2060-\u2064\uFEFF\u00AD\u0000]/g;

/** NFKC (full-width letters), zero-width and other invisible characters removed. */
function normalize(q: string): string {
  return q
    .normalize('NFKC')
    .replace(HIDDEN, '')
    .replace(/[\u2018\u2019]/g, "'");
}

/** Politeness and address before the verb of a request: "hey, could you please just …". */
const LEAD = new RegExp(
  // longer lead-ins first: the alternation takes the first that fits ("just checking:" before "just")
  '^(?:(?:i was wondering|just checking|quick question|quick one|one more thing|one thing|out of curiosity|by the way|' +
    'hey|hi|ok|okay|oi|yo|so|and|then|also|now|please|pls|plz|kindly|quickly|just|homesight|um+|uh+|erm?|yes|yeah|well|oh|ah|' +
    'hmm+|btw|listen|' +
    // "please" and "come on" in Nigerian Pidgin, Igbo and Yoruba as typed in Nigerian English ("abeg on the gen")
    'abeg|biko|oya|jare|' +
    // "can ye lock the door", "could yous turn it off" (Scots, Irish)
    String.raw`(?:can|could|would|will) (?:ye|yous|youse|ya)|` +
    'computer|assistant|can you|could you|would you|will you|can u|could u|pls can you|i need you to|' +
    "i want you to|i'd like you to|go ahead and|go and|be a dear and|make sure to|remember to|(?:make|keep|take) a note to|" +
    // an order relayed through the home hub is still an order: "tell the hub to shut the barn door"
    String.raw`(?:tell|ask|instruct) (?:the )?(?:home ?)?hub to|(?:get|have|make) (?:the )?(?:home ?)?hub|` +
    // the order after a question about the device: "is the oven on? if so turn it off"
    '(?:and )?if so|if yes|if (?:it|they) (?:is|are)(?: (?:on|off|open|closed|unlocked|running))?|in that case|' +
    String.raw`don't forget to)[\s,:]+)+`,
);

/** The clauses of a request, each without its lead-in, lower case. */
function clauses(q: string): string[] {
  return q
    .toLowerCase()
    .split(/[.;!?\n]+|,\s*(?:and\s+)?(?=(?:then|and|also|please|pls)\b)|\s+(?:and then|then|and also|and)\s+(?=[a-z]+\b)/)
    .map((c) => c.trim().replace(LEAD, '').trim())
    .filter((c) => c.length > 0);
}

const QUESTION_START = new RegExp(
  '^(?:did|does|do|was|were|is|are|has|have|had|who|whom|whose|when|where|what|which|why|how|' +
    // "can i get the video sent to …" asks for something to be done
    String.raw`(?:can|could) i(?! (?:get|have)\b)|should i|any|anyone|anybody|someone|somebody)\b`,
);

/**
 * A question that wraps an order ("is it possible to turn off the lights", "any chance you could lock up", "would you
 * mind opening the garage", "how do I get the footage onto a USB stick", "I'd like the clip on my laptop"): what
 * follows is read as the order it asks for.
 */
const WRAPPED_ORDER = new RegExp(
  '^(?:is it possible (?:for (?:you|u) )?to|is there (?:a|any) way (?:for (?:you|u) )?to|' +
    String.raw`any (?:chance|way)(?: (?:you|u) (?:can|could|would)| to| of)?|do (?:you|u) think (?:you|u) (?:could|can)|` +
    String.raw`(?:would (?:you|u) )?mind|am i able to|are (?:you|u) able to|how (?:can|do|would|could) i|where (?:can|do|could) i|` +
    String.raw`is it (?:ok|okay|alright|fine|possible) (?:if i|to)|i(?:'d| would) like(?: (?:you|u) to)?|i want(?: (?:you|u) to)?)\s+`,
);
/** "would you mind turning …": the order's verb from its -ing form (the verbs a declined order starts with). */
const ORDER_VERB_ING: Readonly<Record<string, string>> = {
  turning: 'turn',
  switching: 'switch',
  opening: 'open',
  closing: 'close',
  shutting: 'shut',
  locking: 'lock',
  unlocking: 'unlock',
  arming: 'arm',
  disarming: 'disarm',
  setting: 'set',
  starting: 'start',
  stopping: 'stop',
  putting: 'put',
  letting: 'let',
  deleting: 'delete',
  erasing: 'erase',
  wiping: 'wipe',
  sending: 'send',
  emailing: 'email',
  uploading: 'upload',
  sharing: 'share',
  posting: 'post',
  forwarding: 'forward',
  texting: 'text',
  copying: 'copy',
  streaming: 'stream',
  calling: 'call',
  playing: 'play',
  dimming: 'dim',
  raising: 'raise',
  lowering: 'lower',
  showing: 'show',
  telling: 'tell',
  checking: 'check',
};
/** A second order in a question's clause, after a comma ("is the garage door open, shut it please"). */
const COMMA_ORDER = /^(?:close|shut|open|lock|unlock|turn|switch)\b/;
/** An order about the device the question named: "close it if so", "turn them off". */
const ORDER_ON_IT = /^(?:close|shut|open|lock|unlock|turn|switch|arm|disarm)\b.{0,20}\b(?:it|them)\b/;

/**
 * The message a post to the hub carries, after a colon, "with" or "saying" ("post to home/notify: open the gate",
 * "notify home/notify with 'disarm alarm'"): an order there is an order HomeSight would relay.
 */
const RELAYED_MESSAGE = new RegExp(
  String.raw`^(?:post|publish|send|notify|announce|broadcast|put|write)\b[^:]{0,40}?(?::|\bwith\b|\bsaying\b|\bthat says\b)\s*` +
    String.raw`["'“]?(.+?)["'”]?$`,
);

/** The orders a request gives: its imperative clauses, the orders its questions wrap and those its hub posts carry. */
function ordersOf(parts: readonly string[]): string[] {
  const out: string[] = [];
  for (const c of parts) {
    const relayed = RELAYED_MESSAGE.exec(c);
    if (relayed !== null && !QUESTION_START.test(c)) out.push(relayed[1]!.replace(LEAD, '').trim());
    const wrapped = WRAPPED_ORDER.exec(c);
    if (wrapped !== null) {
      const rest = c.slice(wrapped[0].length);
      const first = /^[a-z]+/.exec(rest)?.[0] ?? '';
      out.push(ORDER_VERB_ING[first] === undefined ? rest : ORDER_VERB_ING[first] + rest.slice(first.length));
    } else if (!QUESTION_START.test(c)) out.push(c);
    else
      for (const piece of c.split(/,\s*/).slice(1)) {
        const order = piece.replace(LEAD, '').trim();
        if (COMMA_ORDER.test(order)) out.push(order);
      }
  }
  return out;
}

/** Requests for what the cameras saw, phrased as commands ("show me Tom's day"): not statements of a fact to keep. */
const ASK_FOR_DATA = /^(?:show|list|give|find|check|count|describe|summari[sz]e|tell me|let me see|look)\b/;

// Actuation: a clause that starts with a verb HomeSight has no device for.
const ACTUATE_VERB = new RegExp(
  '^(?:un ?lock|lock(?: up)?|open|close|shut|turn|switch|power|arm|disarm|activate|deactivate|enable|kill|cut|' +
    String.raw`disable|dim|brighten|set|raise|lower|start|stop|pause|run|sound|ring|trigger|buzz|let (?:\w+ )?in|` +
    String.raw`boil|preheat|water|feed|mute|silence|crank|blast|quieten|delete|erase|wipe|clear|format|remove|` +
    String.raw`get rid of|destroy|purge|trash|bin)\b`,
);
const DEVICE = new RegExp(
  String.raw`\b(?:doors?|gates?|garage|sheds?|car|bolts?|latch|padlock|safe|cabinet|hatch|locks?|windows?|gen|generator|inverter|geyser|` +
    String.raw`blinds?|shutters?|curtains?|lights?|lamps?|heating|heater|thermostat|temperature|ac|air ?con\w*|` +
    'aircon|fan|tv|telly|television|radio|music|speaker|oven|stove|hob|kettle|dishwasher|washing machine|' +
    'washer|dryer|vacuum|robot|hoover|alarm|siren|security|system|sprinklers?|irrigation|plugs?|sockets?|' +
    'power|boiler|camera|cameras|cam|recordings?|footage|videos?|clips?|history|memory|memories|events|' +
    String.raw`doorbell|buzzer|on|off|up|down)\b`,
);
const MAKE_STATE = /\bmake sure\b.{0,40}\b(?:locked|unlocked|closed|open|shut|off|on|armed|disarmed)\b/;
/** Verbs that, with "on" or "off" after the object, switch something: "put the kettle on", "stick the telly on". */
const PUT = '(?:put|chuck|stick|pop|bung|whack|flick)';
/** Things switched on and off. */
const SWITCHED =
  String.raw`(?:lights?|lamps?|heating|heater|tv|telly|television|fan|alarm|music|radio|ac|a\.c|aircon|air ?con|` +
  'sprinklers?|boiler|kettle|oven|gen|generator|inverter|geyser|iron|dishwasher|washing machine|pumping machine)';
/**
 * Orders to act said without one of ACTUATE_VERB's verbs: a device and its state ("lights off downstairs"), "put
 * the kettle on", "put the heating up", someone let or buzzed in or out, a room made warmer, music played (not a clip played back).
 */
const ACTUATE_OTHER = new RegExp(
  String.raw`^(?:(?:the |all (?:the )?)?(?:[a-z]+ )?(?:lights?|lamps?|heating|heater|tv|telly|fan|alarm|music|radio|` +
    String.raw`ac|aircon|air ?con|sprinklers?|boiler)\s+(?:on|off|up|down)\b|` +
    String.raw`${PUT} (?:the |my |our |some )?[a-z]+(?: [a-z]+)? (?:on|off)(?: (?:for|at|in|now|please|pls|would you|will you|` +
    String.raw`cheers|thanks|ta|mate|love)\b.*)?$|` +
    // a device said, whatever follows: "put the heating on its baltic", "chuck the telly on for the kids"
    String.raw`(?:${PUT}|get|throw) (?:the |my |our |all (?:the )?)?(?:[a-z]+ )?${SWITCHED} (?:on|off)\b|` +
    // Nigerian English uses "on" and "off" as verbs: "on the AC in the parlour", "off the light for parlour"
    String.raw`(?:on|off) (?:the |my |our |all (?:the )?)?(?:[a-z]+ )?${SWITCHED}\b(?! (?:cam|camera)\b)|` +
    String.raw`(?:put|turn|crank|bump|knock) (?:the |my |our )?(?:heating|heater|thermostat|temperature|ac|aircon|air ?con|` +
    String.raw`volume|music|tv|telly|fan|blinds?|shutters?) (?:up|down)\b|` +
    String.raw`(?:let|buzz) (?!me\b|us\b)(?:the |our |my )?[a-z]+(?: [a-z]+)? (?:in|out|inside|through)\b|` +
    String.raw`make (?:the |it |my |our )?(?:[a-z]+ )?(?:warmer|cooler|colder|hotter|darker|brighter|quieter|louder)\b|` +
    String.raw`play\b(?!.*\b(?:clips?|videos?|footage|recordings?|back)\b)|` +
    // HomeSight deletes nothing, whatever the object ("erase everything from last week")
    String.raw`(?:delete|erase|wipe|purge)\b|` +
    // it has no phone, does not move or zoom cameras and does not start recordings
    String.raw`(?:call|phone|dial|facetime|ring up) \w|(?:zoom|pan|tilt|rotate|aim)\b|point the cam|record\b(?! that\b)|` +
    // another assistant told to act ("tell alexa to turn off the lights", "ask google home to lock the door")
    String.raw`(?:tell|ask|get|have) (?:alexa|siri|google(?: home| assistant| nest)?|cortana|bixby|home assistant|smartthings|` +
    String.raw`the (?:echo|nest|google home))\b|` +
    // scenes, modes, routines and automations: "activate away mode", "run the goodnight routine", "create a rule that …"
    String.raw`(?:trigger|activate|run(?! (?:me |us )?through\b)|start|enable|turn on|switch (?:on|to)|` +
    String.raw`put (?:the house |us |it )?(?:in|into)) ` +
    String.raw`(?:the |an? |our |my )?(?:[a-z'-]+ ){0,3}?(?:scene|mode|routine|automation)s?\b|` +
    String.raw`set (?:the )?(?:house |alarm |it |us |heating |thermostat )?(?:to |in |into |on )?(?:[a-z'-]+ ){0,2}?mode\b|` +
    String.raw`(?:create|make|add|set up|setup|program|write) (?:me |us )?(?:a |an |the )?(?:new )?(?:[a-z]+ )?` +
    String.raw`(?:rule|automation|scene|routine|schedule)\b|` +
    // chores: it moves nothing ("water the plants", "feed the dog at 6", "take the bins out")
    String.raw`(?:water|feed|walk|bathe) (?:the |my |our )?(?:plants?|garden|lawn|grass|flowers|dogs?|cats?|fish|pets?)\b|` +
    String.raw`(?:take|put) (?:the )?(?:bins?|trash|rubbish|garbage|recycling) (?:out|away)\b|` +
    String.raw`(?:vacuum|hoover|mop|sweep|tidy) (?:the |my |our |up )|(?:make|cook) (?:the |some |us |me )?(?:dinner|lunch|` +
    String.raw`breakfast|coffee|food)\b|` +
    // "get the door", "get the lights", "get the garage door up", "crack the back gate open"
    String.raw`get the (?:[a-z]+ )?(?:door|gate|lights?)$|` +
    String.raw`get (?:the |my |our )?(?:[a-z]+ )?(?:door|gate|garage|blinds?|shutters?|curtains?|windows?) ` +
    String.raw`(?:up|down|open|shut|closed)\b|crack (?:the |a |my |our )?(?:[a-z]+ )?(?:doors?|gates?|windows?)\b|` +
    // forgetting is deleting: "forget grandma's face", "forget everything about me"
    String.raw`forget (?:(?:[a-z]+'s|my|our|his|her|their|all (?:the )?|the) )?(?:face|faces|recordings?|footage|videos?|` +
    String.raw`clips?|data|history|memory|memories|everything|what you know)\b|forget (?:me|us|about me|about us)\b|` +
    // a camera cast to a screen works a device
    String.raw`(?:cast|chromecast|mirror|screen ?share|airplay) .{0,40}\b(?:to|on|onto) (?:the |my |our )?(?:tv|telly|` +
    String.raw`television|chromecast|fire ?stick|apple tv|screen|projector)\b)`,
);
/** The home's network and HomeSight's own settings: "reboot the router", "change the wifi password", "rename the camera". */
const SETTINGS = new RegExp(
  String.raw`^(?:(?:reboot|restart|reset|power cycle) (?:the |my |our |your)?(?:router|wi-?fi|modem|cameras?|cam|system|hub|` +
    String.raw`device|box|homesight|server|alarm|everything|yourself|self)\b|factory reset\b|` +
    String.raw`change (?:the |my |our )?(?:wi-?fi |network |router |door |alarm |gate )?(?:password|passcode|code|pin|` +
    String.raw`settings?)\b|rename (?:the |my |our )?[a-z]+(?: [a-z]+)? (?:camera|cam|room)\b|` +
    String.raw`(?:turn off|switch off|disable|stop|pause) (?:the )?(?:face|facial|person|people) (?:recognition|detection|` +
    String.raw`tracking)\b)`,
);
/** An order about the device a statement named: "the garage door is open, can you deal with it", "… sort it out". */
const SEE_TO_IT = /^(?:deal with|sort(?: out)?|handle|fix|take care of|see to) (?:it|them|that|this)\b/;
const LEFT_IN_STATE = /\b(?:is|are|'s|was|were|been|left)\s+(?:still\s+|left\s+)?(?:open|on|unlocked|running|off)\b/;
/** Errands: it buys, books and pays for nothing ("order more dog food", "book a plumber", "get us a taxi"). */
const ERRAND = new RegExp(
  String.raw`^(?:buy|purchase|reorder|re-order)\b|^order (?:some|more|a|an|us|me|new|another|\d+) |` +
    String.raw`^(?:book|reserve|hire) (?:a|an|me|us|the|our) [a-z]+|^pay (?:the|my|our) [a-z]+|` +
    String.raw`^(?:call|get|order|book) (?:me |us )?(?:an? )?(?:uber|lyft|taxi|cab|pizza|takeaway|takeout)\b`,
);
/** A message for someone ("send grandma a message saying …", "tell tom to come downstairs"): not the hub's post. */
const MESSAGE_SOMEONE = new RegExp(
  String.raw`^(?:send|give|leave) (?!me\b|us\b)(?:my |our |the )?[a-z][a-z'-]*(?: [a-z]+)? (?:a |an )?(?:message|msg|note|` +
    String.raw`text|voice ?note|voicemail)\b|^tell (?!me\b|us\b)(?:my |our |the )?[a-z][a-z'-]* to\b`,
);

// Data leaving the device: a channel or service outside the home, or sending camera data out.
const CHANNEL = new RegExp(
  String.raw`\b(?:e-?mail\w*|gmail|outlook|whats ?app|telegram|signal app|messenger|sms|imessage|facebook|fb|` +
    'instagram|insta|twitter|tweet|tiktok|youtube|snapchat|reddit|discord|slack|dropbox|google drive|' +
    'gdrive|icloud|onedrive|the cloud|cloud storage|s3 bucket|server|website|web ?site|online|internet|' +
    String.raw`pastebin|ftp|a link|public link|livestream|live ?stream|usb(?: stick| drive| key)?|memory stick|social media|socials|` +
    String.raw`air ?drop|bluetooth|nearby share|quick share|google photos|group chat|family chat|` +
    String.raw`thumb ?drive|flash drive|sd card|hard ?drive|external drive|laptop|ipad|tablet|computer|pc|nas)\b|` +
    String.raw`@[a-z0-9-]+\.[a-z]{2,}|` +
    String.raw`\b[a-z0-9._-]+@[a-z0-9.-]+\b|\+?\d[\d -]{7,}\d`,
);
const SEND_VERB = new RegExp(
  '^(?:send|e-?mail|mail|forward|upload|share|post|publish|text|message|dm|tweet|whatsapp|sync|' +
    String.raw`back ?up|backup|export|stream|broadcast|put|copy|transfer|leak|give)\b`,
);
const CAMERA_DATA = new RegExp(
  String.raw`\b(?:video|videos|footage|clips?|recordings?|snapshots?|photos?|pictures?|pics?|images?|frames?|` +
    String.raw`feed|stream|camera data|raw|base64|jpe?g|mp4|bytes|logs?|history|the data|everything)\b`,
);
/** A message texted to someone ("text Carlota that dinner is ready"): HomeSight has no channel to anyone but the hub. */
const TEXT_SOMEONE =
  /^(?:text|sms|message|whats ?app|dm|e-?mail)\s+(?!me\b|us\b)(?:my |our |the )?[a-z][a-z'-]*\s+(?:that|to say|saying)\b/;
/** Following someone outside the home ("follow the neighbour when she leaves and tell me where she goes"). */
const FOLLOW_OUTSIDE = /^(?:follow|track|tail|trail)\s+(?:the |my |our )?[a-z]+\b.{0,40}\b(?:leaves?|goes|where|outside)\b/;
/** Camera data sent to someone named ("text claire a picture of …"): HomeSight has no channel to anyone but the hub. */
const SEND_TO_SOMEONE = new RegExp(
  String.raw`^(?:send|text|message|e-?mail|whats ?app|forward|dm)\s+(?!me\b|us\b)(?:the |my |our )?[a-z][a-z'-]*\s+` +
    String.raw`(?:a |an |the |some |my |our )?(?:[a-z]+\s+)?` +
    String.raw`(?:video|videos|footage|clips?|recordings?|snapshots?|photos?|pictures?|pics?|images?)\b`,
);
const OUTSIDE_PERSON = new RegExp(
  String.raw`\b(?:to|with) (?:my |our |the )?(?:friends?|boss|colleagues?|landlord|insurance|police|lawyer|` +
    'the school|neighbou?rs?|sister|brother|cousin|aunt|uncle|ex|work|everyone i know|the public|' +
    String.raw`strangers?)\b`,
);
/** Camera data handed to someone outside the household: "give the police the footage", "show the neighbours the clip". */
const OUTSIDE_RECIPIENT = new RegExp(
  String.raw`^(?:give|send|show|hand|pass|forward|e-?mail|text|whats ?app)\s+(?:the |my |our |a |that )?(?:police|cops|` +
    String.raw`insurance(?: \w+)?|insurers?|landlord|lawyer|solicitor|boss|neighbou?rs?|council|school|press|news|media|` +
    String.raw`(?:letting |estate )?agent)\b`,
);
/** Looking someone up on a service outside the home ("look up the guy at the door on facebook"). */
const LOOK_UP = /^(?:look (?:\w+ )?up|search|google|identify|find out who|check who)\b/;
/** A link anyone could open is data leaving the household, whoever asks for it. */
const PUBLIC_LINK = /\b(?:public|shareable|sharing|share|download) link\b/;
const HUB = /\b(?:hub|home ?hub|noticeboard|notice board|board|family board|display|announce\w*|speakers? (?:at|in) home|intercom)\b/;

// Other households: cameras or homes that are not this household's.
const OTHER_HOME = new RegExp(
  String.raw`\b(?:other|another|different|all (?:the )?|every|someone else's|somebody else's)\s+(?:households?|` +
    String.raw`homes?|houses?|flats?|apartments?|famil(?:y|ies))\b|\bnext[- ]door(?:'s)?\s+(?:camera|cam|doorbell|` +
    String.raw`feed|footage|house|garden|driveway|place)\b|\b(?:house|household|flat|place|home|camera|cameras|` +
    String.raw`cam)s? (?:next door|across the (?:street|road|hall)|opposite (?:us|ours))\b|` +
    // "the ring doorbell across the road", "the cameras at work": somebody else's cameras where they are
    String.raw`\b(?:cameras?|cams?|doorbell|ring|cctv)\s+(?:across the (?:street|road)|over the road|down the (?:street|road)|` +
    String.raw`(?:at|from) (?:work|my office|my work))\b|` +
    String.raw`\b(?:flat|apartment|unit)s? (?:below|above|upstairs|downstairs|opposite|next door|across the (?:hall|landing))\b|` +
    // another house by its number: "who's at number 12's door"
    String.raw`\b(?:number|no\.?) \d+(?:'s)? (?:front |back )?(?:door|house|garden|driveway|cameras?|cams?|doorbell)\b`,
);
/**
 * Places of the household's life that are not its home — a second home, work — asked about as if HomeSight saw them
 * ("is anyone at the cabin", "check the holiday home cameras", "what's happening at the office", "check my work
 * camera"); the place word is captured, since a household may have a place of that name (a garden's summer house).
 */
const SECOND_HOME =
  String.raw`(cabin|cottage|holiday (?:home|house|cottage|flat|let)|lake ?house|beach ?house|summer ?house|villa|chalet|` +
  String.raw`caravan|rental(?: property| flat| house)?|second home|country house|ski (?:lodge|chalet)|airbnb)`;
const ELSEWHERE = new RegExp(
  String.raw`\b(?:(?:is|was) (?:there )?(?:anyone|anybody|someone|somebody) (?:at|in)|who(?:'s|s| is| was) (?:at|in)|` +
    String.raw`any (?:movement|activity|one|body) (?:at|in)|what(?:'s| is) (?:happening|going on) (?:at|in)|check(?: on)?|show me|` +
    String.raw`look at|(?:cameras?|cams?) (?:at|of|in)) (?:the|our|my) ${SECOND_HOME}\b|` +
    String.raw`\b(?:the|our|my) ${SECOND_HOME}(?:'s)? (?:cameras?|cams?|cctv|feeds?|doorbell)\b|` +
    String.raw`\b(?:what(?:'s| is) (?:happening|going on) (?:at|in)|(?:is )?(?:there )?(?:anyone|anybody|someone|somebody) ` +
    String.raw`(?:in|at)|any (?:movement|activity) (?:in|at)) (?:the|my|our) (office|shop|store|` +
    String.raw`restaurant|warehouse|factory|surgery)\b|` +
    // not "the home office camera", "the work shop cam" (rooms of a home)
    String.raw`\b(?<!home |work )(?:my |our |the )?(office|work|workplace|shop|store|restaurant|warehouse|factory)\s+` +
    String.raw`(?:cameras?|cams?|cctv|feeds?)\b`,
  'g',
);
/**
 * Cameras of shared or public places ("the estate security post camera", "the street cctv"): not the household's;
 * the place word is captured, since a household may have a place of that name.
 */
const SHARED_PLACE_CAMERAS = new RegExp(
  String.raw`\b(estate|street|council|public|community|neighbou?rhood|building|lobby|concierge|shop|store|car park|` +
    String.raw`school|gym|church|hospital|station|airport|pub|hotel|supermarket|playground|village hall|town hall|` +
    String.raw`library|town|city)\b(?:\s+[a-z]+){0,3}?\s+(?:cameras?|cams?|webcams?|cctv|feeds?|footage)\b`,
  'g',
);
const POSSESSED_CAMERA = new RegExp(
  String.raw`\b([a-z]+)(?:'s|s'|')\s+(?:[a-z]+\s+)?(?:cameras?|cams?|doorbell|ring|feed|footage|recordings?|` +
    String.raw`house|home|flat|apartment|place|garden|yard|driveway|porch|garage|cottage)\b`,
  'g',
);
/** The same without an apostrophe, as people type it: "the neighbours driveway camera", "grandmas house". */
const POSSESSED_BARE = new RegExp(
  String.raw`\b(neighbou?rs|parents|grandparents|in-?laws|grandmas|grannys|grandpas|nans|nanas|mums|moms|dads|sisters|` +
    String.raw`brothers|cousins|aunts|aunties|uncles|friends|bosss|landlords|exs)\s+(?:[a-z]+\s+)?(?:cameras?|cams?|cctv|` +
    String.raw`doorbell|ring|feed|footage|house|home|flat|apartment|place|garden|yard|driveway|porch|garage|cottage)\b`,
  'g',
);
/** A family's camera or house by its name in the plural: "the Schmidts' doorbell cam", "the murphys camera". */
const FAMILY_CAMERA = new RegExp(
  String.raw`(?<![\p{L}])the (\p{L}+?s?)(?:s's|s'|s)\s+(?:front |back |door |doorbell |security )?(?:cameras?|cams?|doorbell|ring|cctv|` +
    String.raw`house|home|place|flat|garden|driveway)\b`,
  'gu',
);
/** Plural words that are no family ("the kids camera", "the twins room"). */
const FAMILY_NOT = new RegExp(
  '^(?:.{0,2}|kid|child|boy|girl|baby|babie|twin|dog|cat|parent|grandparent|neighbour|neighbor|guest|other|thing|ours?|' +
    'upstair|downstair|stair|indoor|outdoor|glas|new|old|main|front|back|side)$',
);
const OUTSIDER = new RegExp(
  '^(?:neighbou?rs?|sister|brother|cousin|aunt|auntie|uncle|friend|friends|boss|landlord|parents?|' +
    'in-?laws?|grandparents?|grandma|granny|grandpa|mum|mom|mother|dad|father|ex|' +
    // kinship words of other languages that households keep
    'abuela|abuelo|abuelos|oma|opa|nonna|nonno|nonni|mamie|papy|babcia|dziadek|tia|tio|tante|onkel)$',
);

// Injection: instructions aimed at the agent, inside a question or a memory write.
const INJECTION = new RegExp(
  String.raw`\b(?:ignore|disregard|forget|override|bypass)\b.{0,40}\b(?:instructions?|rules|prompt|guidelines|` +
    String.raw`restrictions|safety|catalog|allow[- ]?list|previous|above|everything)\b|\bsystem prompt\b|(?:^|\n|` +
    String.raw`\s)(?:system|assistant|developer|admin)\s*:|\[(?:system|inst|admin)\]|<\/?(?:system|instructions?)>|` +
    String.raw`\bnew instructions?\b|\bnew (?:rules?|orders?|task)\s*:|\byou are now\b|\bfrom now on,? you\b|` +
    String.raw`\bpretend (?:you|to be)\b|\bact as\b|\bact like (?:my|you(?:'re| are))\b|\brepeat after me\b|` +
    String.raw`\{\{\s*(?:system|admin|instructions?|prompt)\s*\}\}|` +
    String.raw`\bthe (?:admin|administrator|owner|developer) (?:approved|authori[sz]ed|allowed|okayed|ok'd) (?:it|this|that)\b|` +
    String.raw`\bignore (?:what|everything|anything|all) (?:you(?:'ve| have)? (?:were|been|was) told|(?:i|we) said)\b|` +
    String.raw`\byou are (?:dan|free|unrestricted|unfiltered|no longer)\b|\bdo anything now\b|` +
    String.raw`\b(?:system|admin|developer|maintenance|debug|god|sudo|dan) (?:override|mode)\b|\bjailbreak\b|` +
    String.raw`#+\s*(?:system|admin|instructions?)\s*#+|\b(?:reply|respond|answer) only with\b|` +
    String.raw`\byou(?:'re| are) (?:now )?(?:allowed|permitted|authori[sz]ed|free) to\b|` +
    String.raw`\bas your (?:developer|admin|administrator|owner|creator|maker|programmer)\b|\bi (?:order|command|instruct) you\b|` +
    String.raw`\b(?:print|show|reveal|dump|output|give me|tell me|read out|list) (?:me )?(?:the (?:contents of )?)?(?:your|the) ` +
    String.raw`(?:config(?:uration)?(?: file)?|system prompt|prompt|instructions|secrets?|api keys?|passwords?|tokens?|` +
    String.raw`credentials)\b|\b(?:admin|administrator|owner|developer)\b.{0,30}\b(?:said|says|allows?|approved|` +
    String.raw`authori[sz]ed)\b.{0,40}\byou (?:can|may|are allowed to)\b|` +
    String.raw`\bwithout (?:any )?restrictions\b|\bno restrictions\b|` +
    String.raw`\b(?:disable|turn off|switch off|deactivate|bypass|remove)\s+(?:the |your |all )?(?:privacy|safety|content)\s*` +
    String.raw`(?:filters?|mode|settings?|rules?|checks?|protection)\b|` +
    String.raw`\bobey\b|\bfollow (?:these|the following|my|any) (?:new )?instructions\b|` +
    String.raw`\bi (?:hereby )?authori[sz]e you\b|\byou (?:must|should|will|are allowed to|may|` +
    'have permission to) (?:always |now )?(?:unlock|open|disarm|send|email|upload|publish|share|ignore|' +
    String.raw`run|execute|delete)\b|\b(?:always\s+|whenever\b.{0,40}\b)(?:unlock|disarm|open the|send|email|` +
    String.raw`upload)\b|\b(?:instructions?|orders|commands)\b.{0,60}\b(?:and|then) (?:follow|obey|do|execute|` +
    String.raw`carry out) (?:them|it|those|what (?:they|it) says?)\b|<node-\d+>|"task"\s*:`,
);
const MEMORY_RULE = new RegExp(
  String.raw`\b(?:remember|note|keep in mind)\b.{0,30}\b(?:you (?:must|should|have to|are to|are allowed to)|` +
    String.raw`(?:you (?:can|may|are free to)|you're (?:allowed|free) to) (?:now |always |also )?(?:un ?lock|open|disarm|send|` +
    String.raw`e-?mail|share|upload|publish|post|forward|ignore|delete|bypass|skip|give out|show (?:anyone|everyone|them))|` +
    String.raw`your (?:new )?(?:rule|instructions?|task|job)|as a rule|the rule is|` +
    String.raw`(?:my|these|the following|new) (?:instructions?|orders|commands)|new rules?|never refuse|answer anything|` +
    // a permission granted by a memory: "remember that zara is 18 now and can see all the recordings of ben"
    String.raw`(?:can|may|is allowed to|are allowed to|has access to|gets? access to) (?:see|watch|view|access|have) ` +
    String.raw`(?:all |every |any )?(?:the |of the )?(?:recordings?|footage|clips?|videos?|cameras?|cams?|snapshots?))\b`,
);
/** A memory that schedules an action: "remember the front door should be unlocked at 8am every day". */
const MEMORY_ORDER = new RegExp(
  String.raw`\b(?:remember|note|keep in mind)\b.{0,40}\b(?:should|must|needs? to|has to|have to) be ` +
    String.raw`(?:un ?locked|opened|open|disarmed|turned (?:on|off)|switched (?:on|off)|left open)\b.{0,30}` +
    String.raw`\b(?:at|every|each|when|whenever|by|from)\b`,
);
const CODE_CALL = /\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b|\b([a-z][a-z0-9_]{1,31})\(/gi;

// Side effects asked for.
const REMEMBER_VERB =
  /^(?:remember|note|make a note|take a note|keep in mind|write down|save|store|memori[sz]e|don'?t forget|do not forget|log)\b/;
/** A statement with the ask to keep it after it: "zosia has the dentist on friday, don't forget". */
const REMEMBER_AFTER =
  /,\s*(?:(?:please|pls) )?(?:don'?t forget|do not forget|remember that|remember|keep that in mind)(?: (?:it|that|pls|please|ok))?$/;
const STATEMENT_FACT = /\b(?:is|are|'s|was|were|goes|comes|always|usually|normally|never|every|each|calls?|called|named|means)\b/;
/**
 * A statement of how things are right now or of what happened ("kitchen light is still on", "the garage door was open
 * this morning"): something the user saw and likely asks about, not a fact to keep.
 */
const PASSING_STATE = new RegExp(
  String.raw`\b(?:still|again|right now|currently|at the moment|just now|rn|atm)\b|` +
    String.raw`\b(?:is|are|'s)\s+(?:still\s+)?(?:on|off|open|closed|shut|unlocked|locked|running|out|gone|missing|here|home|back|` +
    String.raw`outside|late|empty|full|broken)\s*$|` +
    // a worry or a sighting said as a statement: "zara is not home yet", "the kids are supposed to be in bed", "there's
    // someone in the garden"
    String.raw`\b(?:not|n't)\s+(?:\w+\s+)?(?:home|back|here|in|up|down|out)\s+yet\s*$|\bsupposed to be\b|` +
    String.raw`^there(?:'s| is| are)\s+(?:someone|somebody|some ?one|anyone|people|a (?:man|woman|guy|kid|stranger|car|van)|` +
    String.raw`strangers|a person)\b`,
);
const PAST_EVENT = /\b(?:was|were)\b/;
/** A clause that gives an order ("tell the kids dinner is ready", "say on the speakers we're leaving"): not a statement. */
const ORDER_START = new RegExp(
  '^(?:tell|say|let|announce|send|put|post|write|text|call|ask|make|get|go|bring|take|show|give|find|open|close|shut|' +
    String.raw`turn|switch|lock|unlock|play|stop|start|set|remind|wake|check|look|read|ring|message|notify|warn|alert|inform)\b`,
);
/** A name given or a habit said in the past tense ("the cat was called Mimi", "we always had dinner at 6"). */
const KEPT_IN_PAST = /\b(?:called|named|known as|born|always|usually|normally|never|every|each)\b/;
const PUBLISH = new RegExp(
  '^(?:announce|publish|broadcast|post|put|send|tell|notify|let|ping|shout|display|log|write|' +
    String.raw`show)\b.{0,60}\b(?:hub|home ?hub|noticeboard|notice board|board|family board|display|speakers?|channel|phones|` +
    String.raw`intercom|everyone|everybody|the house|the family|the flat|the whole (?:house|family|flat))\b|` +
    // a hub topic said as itself ("post on home/notify that …")
    String.raw`^(?:publish|post|send|put|write|log)\b.{0,30}\b[a-z0-9_-]+/[a-z0-9_/-]+|` +
    String.raw`^announce\b`,
);
const STANDING = new RegExp(
  '^(?:let me know|tell me|notify me|alert me|ping me|warn me|message me|text me|wake me|remind me|' +
    'keep an eye|watch (?:for|out)|keep watching|keep me posted|send me an alert|give me a (?:heads[- ]?up|' +
    String.raw`shout))\b.{0,80}\b(?:if|when|whenever|as soon as|once|the moment (?:that|when|\w+ (?:arrives?|gets?|` +
    String.raw`comes?|leaves?))|each time|every time|in case|any ?time)\b|\b(?:from now on|every time|whenever|` +
    String.raw`each time|every (?:night|day|morning|evening|afternoon|week|weekday|weekend))\b.{0,60}\b(?:tell|let|` +
    String.raw`notify|alert|ping|warn|message) me\b`,
);
/** A condition, then the order: "if Cian isn't home by 4, tell me", "if anyone comes in after midnight post it to the board". */
const CONDITIONAL_ORDER = new RegExp(
  String.raw`^(?:if|whenever|as soon as|any ?time)\b.{0,80}\b(?:(?:tell|let|notify|alert|ping|warn|message|text) me|` +
    String.raw`(?:post|put|publish|announce|send) (?:it|that|this))\b`,
);
/** A reminder, timer or wake-up call ("remind me to call babcia at 5", "set a timer for 10 minutes"), not a recall. */
const REMINDER = new RegExp(
  String.raw`^(?:remind (?:me|us|him|her|them) (?:to|at|in|tomorrow|tonight|about (?:the|my|our) \w+ (?:at|on|tomorrow))|` +
    String.raw`set (?:a |an )?(?:reminder|timer)|(?:create|add|make) (?:a )?reminder|wake (?:me|us)(?: up)? (?:at|in|tomorrow|early))\b`,
);
/** Orders to watch that need no condition: "keep watch on the garden tonight", "monitor the back door". */
const WATCH_ORDER = /^(?:keep (?:a )?watch (?:on|over)|keep an eye (?:on|out)|monitor|guard|stand guard|watch over|keep monitoring)\b/;
/** An order to keep a log from now on ("write down whenever someone rings", "log every time the gate opens"). */
const LOG_ORDER = new RegExp(
  String.raw`^(?:write down|note down|jot down|note|log|keep (?:a )?(?:log|record|tally|note)(?: of)?|track)\b.{0,60}` +
    String.raw`\b(?:whenever|every time|each time|from now on)\b`,
);
/** Verbs that only ever ask for a later alert ("alert me if …"); "tell me if …" can also ask about the past. */
const ALERT_ME = /^(?:alert|warn|notify|ping|wake|buzz) me\b|^send me an alert\b|^give me a heads[- ]?up\b/;
/** A time in the past said outright: only that makes "alert me if anyone came in last night" a question. */
const PAST_TIME = /\b(?:yesterday|last (?:night|week|time)|ago|earlier|this morning|before)\b/;
/** "is left open", "gets delivered": a present passive is no past, whatever the participle's ending. */
const PRESENT_PASSIVE = /\b(?:is|are|gets?|being)\s+(?:\w+\s+)?\w+(?:ed|en|left|shut|put|set)\b/g;
/** Imperative clauses that order a watch ("let me know if …"), not questions about what was seen ("tell me when Tom got up"). */
function standingClause(imperative: readonly string[]): boolean {
  const past = (c: string): boolean => PAST.test(c.replace(PRESENT_PASSIVE, ' '));
  return imperative.some(
    (c) =>
      WATCH_ORDER.test(c) ||
      (STANDING.test(c) && (ALERT_ME.test(c) ? !PAST_TIME.test(c) : !past(c.replace(STANDING, '')))) ||
      (CONDITIONAL_ORDER.test(c) && !past(c)) ||
      (LOG_ORDER.test(c) && !past(c)),
  );
}

/**
 * A standing order: "let me know if …", "tell me when …", "from now on, whenever …, tell me". The agent hands it
 * to the watches module (daemon/watches parses it into a watch); where there is none, classifyRequest declines it.
 */
export function isStandingOrder(question: string): boolean {
  return standingClause(clauses(normalize(question)).filter((c) => !QUESTION_START.test(c)));
}

/** A question about what will happen: the cameras can only tell what already did. */
const FUTURE_QUESTION = new RegExp(
  String.raw`^(?:(?:what|who|where|when|how many|how long|which)\s+(?:\w+\s+)?will|` +
    String.raw`will)\s+(?!you\b)(?=.*\b(?:tomorrow|next|tonight|later|this (?:evening|afternoon|weekend)|soon|` +
    String.raw`in (?:an?|\d+) (?:hours?|minutes?|days?))\b)|^(?:when|what time|how soon) will (?!you\b)`,
);
const PAST =
  /\b(?:got|came|left|was|were|did|arrived|went|had|happened|ago|yesterday|last (?:night|week|time)|earlier|this morning|today|\w{3,}ed)\b/;

const REASONS: Record<RefusalCategory, string> = {
  actuation:
    'I can only watch and answer questions; HomeSight has no control over locks, doors, lights, ' +
    'alarms or appliances and does not delete recordings, so I cannot do that.',
  data_leaves_device:
    'Camera images, recordings and what I know about your home stay on this device and in this ' +
    'household; I cannot send, upload, share or stream them anywhere else.',
  other_household: "I can only look at this household's own cameras; other homes' cameras are not mine to look at.",
  injection:
    'Your message contains instructions aimed at me (or hidden characters); I treat such text as text, ' +
    'not as commands, so I did not act on it.',
  side_effect_not_allowed:
    'That would change something outside the answer, and this device does not allow it ' +
    '(agent.allow_tools / agent.hub_topics in the config).',
  not_supported: 'I cannot keep watch and tell you later yet; ask me afterwards instead, e.g. "did anyone come to the door?".',
};

function refusal(category: RefusalCategory, detail?: string, reason?: string): Refusal {
  const base = reason ?? REASONS[category];
  return { category, reason: detail === undefined ? base : `${base} (${detail})` };
}

/** The household's names and nicknames, lower case, without "my" ("mum's camera" is ours when "mum" is one). */
function householdNames(ctx: RequestContext): Set<string> {
  const out = new Set<string>();
  for (const p of ctx.people ?? []) for (const n of [p.name, ...p.aliases]) out.add(n.toLowerCase().replace(/^my /, ''));
  return out;
}

/**
 * The request's refusal, or null when it may be planned. Checked in order of
 * how much harm a wrong plan would do: injection, actuation, other households,
 * data leaving the device, side effects the device does not allow, standing orders.
 */
export function classifyRequest(question: string, ctx: RequestContext): Refusal | null {
  const raw = question;
  const q = normalize(raw);
  const lower = q.toLowerCase();
  const parts = clauses(q);
  const imperative = parts.filter((c) => !QUESTION_START.test(c));
  const orders = ordersOf(parts);

  // Instructions, fake system lines, tool calls written into the question, rules disguised as memory.
  // A catalog tool named in the question, or call syntax (exec(…)): a plan written into the question.
  const toolCall =
    /\b[a-z][a-z0-9_]{1,31}\(/.test(lower) ||
    [...lower.matchAll(/\b[a-z]+(?:_[a-z]+)+\b/g)].some((m) => TOOLS.has(m[0]) && m[0] !== 'compose_answer');
  // the request and its orders in plain letters, for the other languages' words ("tat den" as typed is "tắt đèn")
  const plain = foldMarks(lower);
  const folded = imperative.map((c) => foldMarks(c).replace(OTHER_LEAD, '').trim());
  if (INJECTION.test(lower) || MEMORY_RULE.test(lower) || IGNORE_RULES_OTHER.test(plain) || toolCall) return refusal('injection');
  const hidden = q !== raw.replace(/[\u2018\u2019]/g, "'");

  // "run the video of the kitchen through the camera check", "open the clip from the porch" ask to look at
  // recordings, not to run or open a device
  const looksAtRecordings = (c: string): boolean => /^(?:run|play|open|pull up|bring up|load) /.test(c) && CAMERA_DATA.test(c);
  const actuation =
    orders.some((c) => (ACTUATE_VERB.test(c) && DEVICE.test(c) && !looksAtRecordings(c)) || ACTUATE_OTHER.test(c)) ||
    (orders.some((c) => ORDER_ON_IT.test(c)) && DEVICE.test(lower)) ||
    (parts.some((c) => c.split(/,\s*/).some((piece) => SEE_TO_IT.test(piece.replace(LEAD, '').trim()))) &&
      DEVICE.test(lower) &&
      LEFT_IN_STATE.test(lower)) ||
    MAKE_STATE.test(lower) ||
    MEMORY_ORDER.test(lower) ||
    folded.some(ordersActionInOtherLanguage);
  // Hidden or full-width characters around a request to act: an injection, not a typo.
  if (actuation) return refusal(hidden ? 'injection' : 'actuation');
  if (orders.some((c) => SETTINGS.test(c)))
    return refusal(
      hidden ? 'injection' : 'actuation',
      undefined,
      "I cannot change the network or my own settings from a question; HomeSight's settings are changed in its config " +
        'file by whoever runs it.',
    );

  const mine = householdNames(ctx);
  // "the neighbours' doorbell", "my sister's place", "at mum's house" — unless that person lives here.
  const possessed = [
    ...[...lower.matchAll(POSSESSED_CAMERA)].map((m) => m[1]!),
    ...[...lower.matchAll(POSSESSED_BARE)].map((m) => m[1]!.replace(/s$/, '')),
  ].filter((w) => OUTSIDER.test(w) && !mine.has(w));
  // "the Schmidts' doorbell cam": a family's camera or house, when that family is not this household
  const family = [...lower.matchAll(FAMILY_CAMERA)].map((m) => m[1]!).filter((w) => !mine.has(w) && !FAMILY_NOT.test(w));
  // a shared place's camera, unless the household has a place of that name ("the gym camera" in a home with a gym)
  const ours = new Set((ctx.places ?? []).flatMap((p) => p.toLowerCase().split(/[^\p{L}\p{N}]+/u)));
  const shared = [...lower.matchAll(SHARED_PLACE_CAMERAS)].some((m) => !ours.has(m[1]!));
  const placesSaid = new Set((ctx.places ?? []).map((p) => p.toLowerCase()));
  const elsewhere = [...lower.matchAll(ELSEWHERE)].some((m) => {
    const place = (m[1] ?? m[2] ?? m[3] ?? m[4])!;
    return !placesSaid.has(place) && !place.split(' ').some((w) => ours.has(w));
  });
  const follows = imperative.some((c) => FOLLOW_OUTSIDE.test(c));
  if (OTHER_HOME.test(lower) || follows || shared || elsewhere || possessed.length > 0 || family.length > 0 || NEIGHBOUR_CAMERA.test(plain))
    return refusal('other_household');

  const outward = orders.filter(
    (c) =>
      SEND_VERB.test(c) ||
      /^(?:get|save|download|move|store|copy|back ?up|backup|archive|sync)\b/.test(c) ||
      /\b(?:send|sent|upload(?:ed)?|share[ds]?|forward(?:ed)?|post|stream(?:ed)?|e-?mail(?:ed)?)\b/.test(c),
  );
  const leaves =
    // "send me a snapshot" is the answer to the asker, not data leaving the household.
    PUBLIC_LINK.test(lower) ||
    imperative.some((c) => TEXT_SOMEONE.test(c)) ||
    folded.some(sendsOutInOtherLanguage) ||
    imperative.some((c) => LOOK_UP.test(c) && (CHANNEL.test(c) || /\b(?:google|bing|the internet|the web)\b/.test(c))) ||
    imperative.some((c) => OUTSIDE_RECIPIENT.test(c) && CAMERA_DATA.test(c)) ||
    // an upload goes off the device wherever it goes; camera data wanted on a laptop or stick leaves it too
    orders.some((c) => /^(?:upload|live ?stream|tweet|dropbox)\b/.test(c) && CAMERA_DATA.test(c)) ||
    orders.some((c) => CAMERA_DATA.test(c) && CHANNEL.test(c) && /\b(?:on|onto|to|into)\b/.test(c)) ||
    outward.some(
      (c) =>
        CHANNEL.test(c) ||
        OUTSIDE_PERSON.test(c) ||
        (SEND_TO_SOMEONE.test(c) && !HUB.test(c)) ||
        (CAMERA_DATA.test(c) &&
          !HUB.test(c) &&
          !/^(?:send|give|show|forward) (?:me|us)\b/.test(c) &&
          /\b(?:to|onto|into|via)\b/.test(c) &&
          !/\bto (?:me|us)\b/.test(c)),
    ) ||
    (CHANNEL.test(lower) &&
      /\b(?:send|upload|share|forward|post|stream|email|e-?mail|tweet|text)\b/.test(lower) &&
      !QUESTION_START.test(parts[0] ?? ''));
  if (leaves) return refusal(hidden ? 'injection' : 'data_leaves_device');

  const wants = requestedSideEffects(q);
  if (wants.includes('publish_to_hub') && (!ctx.allowTools.includes('publish_to_hub') || ctx.hubTopics.length === 0)) {
    return refusal('side_effect_not_allowed', 'publishing to the home hub is off');
  }
  if (wants.includes('remember') && !ctx.allowTools.includes('remember') && imperative.some((c) => REMEMBER_VERB.test(c))) {
    return refusal('side_effect_not_allowed', 'storing new facts is off');
  }
  if (standingClause(imperative)) return refusal('not_supported');
  if (imperative.some((c) => ERRAND.test(c)))
    return refusal('not_supported', undefined, 'I can only watch and answer questions; I cannot order, book, buy or pay for anything.');
  if (imperative.some((c) => MESSAGE_SOMEONE.test(c) && !HUB.test(c) && !PUBLISH.test(c)))
    return refusal(
      'not_supported',
      undefined,
      'I cannot message or speak to people; I answer you here and, where it is allowed, post to the home hub.',
    );
  if (imperative.some((c) => REMINDER.test(c)))
    return refusal('not_supported', undefined, 'I cannot set reminders, timers or alarms; I can tell you what the cameras saw.');
  if (parts.some((c) => FUTURE_QUESTION.test(c)))
    return refusal('not_supported', undefined, 'I can only tell you what has already happened; I cannot say what will happen.');
  return null;
}

/**
 * Whether a request only asks: every clause a question ("did Olle play in the sandbox today?"), no order given or
 * wrapped. Such a request, once classifyRequest let it through, is answered from the household's data.
 */
export function onlyAsks(question: string): boolean {
  const parts = clauses(normalize(question));
  return parts.length > 0 && parts.every((c) => QUESTION_START.test(c)) && ordersOf(parts).length === 0;
}

/**
 * Side-effect tools the request asks for: remember for "remember / note /
 * keep in mind …" and for statements of a name or a habit ("the man with the
 * red van is Mr Doyle", "Nana naps after lunch"), publish_to_hub for "announce
 * …", "tell everyone / the hub / put on the noticeboard …".
 */
export function requestedSideEffects(question: string): Array<'remember' | 'publish_to_hub'> {
  const q = normalize(question);
  const parts = clauses(q);
  const out: Array<'remember' | 'publish_to_hub'> = [];
  const statement =
    // a question anywhere ("can you see the post camera? they said …") is asking, not stating a fact
    !q.includes('?') &&
    parts.length > 0 &&
    parts.every((c) => !QUESTION_START.test(c) && !ASK_FOR_DATA.test(c) && !ORDER_START.test(c) && !remembersToAsk(c)) &&
    // an order to watch ("text me when tom is home") is not a fact to keep
    !standingClause(parts) &&
    STATEMENT_FACT.test(q.toLowerCase()) &&
    !parts.some((c) => PASSING_STATE.test(c) || (PAST_EVENT.test(c) && !KEPT_IN_PAST.test(c)));
  const publish = (c: string): boolean => PUBLISH.test(c) && !/\bme\b/.test(c.split(/\b(?:that|saying)\b/)[0]!);
  const posts = parts.some(publish);
  // What is posted to a board is not also a fact to keep ("log on the carer board that ken had a good morning").
  // "remember when grandma visited?", "can you remember what time ben left" ask what happened
  const keep = (c: string): boolean =>
    ((REMEMBER_VERB.test(c) && !remembersToAsk(c)) || (REMEMBER_AFTER.test(c) && !QUESTION_START.test(c))) && !publish(c);
  if (parts.some(keep) || (statement && !posts)) out.push('remember');
  if (posts) out.push('publish_to_hub');
  return out;
}

/** The plan of a declined request: the answer alone, with no inputs, so no tool runs. */
export function refusalPlan(question: string, r: Refusal): TaskPlan {
  return {
    task_steps: [`Step 1: Decline (${r.category}): ${r.reason}`],
    task_nodes: [{ task: 'compose_answer', arguments: { question: question.slice(0, 280), inputs: [] } }],
    task_links: [],
  };
}

/** One sentence explaining what was not done, or null when the question asked for nothing refused. */
export function refusalNote(question: string, allowTools: readonly string[]): string | null {
  const q = normalize(question);
  const parts: string[] = [];
  // snake_case identifiers, and call syntax like exec() / eval(
  const named = [...new Set([...q.matchAll(CODE_CALL)].map((m) => (m[1] ?? m[2]!).toLowerCase()))];
  const foreign = named.filter((n) => !TOOLS.has(n));
  const blocked = named.filter((n) => SIDE_EFFECTS.includes(n) && !allowTools.includes(n));
  if (foreign.length > 0)
    parts.push(
      `${foreign.slice(0, 3).join(', ')} ${foreign.length === 1 ? 'is' : 'are'} not a tool I have, ` +
        `so I did not run ${foreign.length === 1 ? 'it' : 'them'}`,
    );
  if (blocked.length > 0) parts.push(`${blocked.join(', ')} is not allowed on this device (agent.allow_tools), so it did not run`);
  if (
    /\b(raw|jpe?g|base64|rgb|bytes|frames?|video|stream|recordings?|snapshot)\b/i.test(q) &&
    /\b(send|give|stream|export|upload|email|raw|as base64|bytes)\b/i.test(q)
  ) {
    parts.push('camera frames, snapshots and recordings never leave this device; I can only describe what was seen');
  }
  if (parts.length === 0) return null;
  return `I will not do everything asked: ${[...new Set(parts)].join('; ')}.`;
}
