import t, { type Test } from 'tap';
import type { GroundingContext } from '../../daemon/grounding/index.js';
import { parseWatchRequest, type WatchParse } from '../../daemon/watches/parse.js';

/** Two households the planners' examples do not contain, asked at fixed times. */
const OSTERMANN: GroundingContext = {
  timezone: 'Europe/Berlin',
  now: '2026-05-02T21:30:00+02:00',
  people: [
    { name: 'Heinrich', aliases: ['Opa', 'Heini'], kinship: ['grandpa', 'grandfather'] },
    { name: 'Lotte', aliases: ['Lotti'], kinship: ['daughter'] },
    { name: 'Jannik', aliases: [], kinship: ['son'] },
  ],
  groups: [{ phrases: ['the kids'], members: ['Lotte', 'Jannik'] }],
  cameras: [
    { id: 'front_door', room: 'hallway' },
    { id: 'wohnzimmer', room: 'living room', zones: ['sofa'] },
    { id: 'kitchen_cam', room: 'kitchen' },
  ],
  rooms: [{ name: 'hallway' }, { name: 'living room', aliases: ['lounge', 'front room'] }, { name: 'kitchen' }],
};
const OKAFOR: GroundingContext = {
  timezone: 'Europe/London',
  now: '2026-11-14T07:10:00+00:00',
  people: [
    { name: 'Adaeze', aliases: ['Ada', 'Nne'], kinship: ['mum', 'grandma'] },
    { name: 'Chidi', aliases: [], kinship: ['husband'] },
  ],
  cameras: [
    { id: 'porch', room: 'porch' },
    { id: 'bedroom_cam', room: 'bedroom' },
    { id: 'garden', room: 'garden', zones: ['shed'] },
  ],
  rooms: [{ name: 'porch' }, { name: 'bedroom' }, { name: 'garden' }],
};

function parse(q: string, g: GroundingContext): WatchParse {
  return parseWatchRequest(q, { grounding: g, nowMs: Date.parse(g.now), timezone: g.timezone, defaultHours: 24, defaultCooldownS: 300 });
}

function ok(t: Test, q: string, g: GroundingContext): Extract<WatchParse, { ok: true }> {
  const r = parse(q, g);
  if (!r.ok) t.fail(`${q}: refused (${r.reason})`);
  return r as Extract<WatchParse, { ok: true }>;
}

const at = (iso: string): number => Date.parse(iso);

t.test('standing orders in the Ostermann household (Berlin, Saturday 21:30)', (t) => {
  let r = ok(t, "Let me know if someone I don't know comes to the front door tonight", OSTERMANN);
  t.match(r.spec, { trigger: { who: { kind: 'unknown' }, cameras: ['front_door'], activity: null }, once: false });
  t.equal(r.spec.expires_at, at('2026-05-03T06:00:00+02:00'), 'tonight ends at 06:00');
  t.equal(r.confirmation, "I'll let you know whenever someone you don't know shows up on the front door camera until 06:00 tomorrow.");

  r = ok(t, 'tell me when Opa gets up from his nap in the lounge', OSTERMANN);
  t.match(r.spec, {
    trigger: { who: { kind: 'person', name: 'Heinrich' }, cameras: ['wohnzimmer'], activity: 'lying_down', on: 'end' },
    once: true,
  });
  t.match(r.confirmation, /^I'll tell you when Heinrich gets up from lying down on the wohnzimmer camera until 21:30 tomorrow\.$/);

  r = ok(t, 'alert me if anyone lies on the floor for more than a minute', OSTERMANN);
  t.match(r.spec.trigger, { who: { kind: 'anyone' }, activity: 'lying_down', fall: true, min_duration_s: 60, cameras: [] });
  t.match(r.description, /^someone may have fallen \(lying down outside a bed, sofa or couch\) for more than a minute$/);
  r = ok(t, 'warn me if Opa collapses in the kitchen', OSTERMANN);
  t.match(r.spec.trigger, { activity: 'lying_down', fall: true, cameras: ['kitchen_cam'] }, 'a fall watch on one camera');
  r = ok(t, 'tell me when Opa falls asleep', OSTERMANN);
  t.match(r.spec.trigger, { activity: 'lying_down', fall: false }, 'falling asleep is lying down, not a fall');
  r = ok(t, 'let me know if Opa is napping', OSTERMANN);
  t.match(r.spec.trigger, { activity: 'lying_down', fall: false }, 'a nap is lying down anywhere');

  r = ok(t, 'could you ping me whenever Lotti sits on the sofa until 11pm', OSTERMANN);
  t.match(r.spec.trigger, { who: { kind: 'person', name: 'Lotte' }, activity: 'sitting', zones: ['sofa'], cameras: ['wohnzimmer'] });
  t.equal(r.spec.expires_at, at('2026-05-02T23:00:00+02:00'));

  r = ok(t, 'from now on, whenever my son is cooking in the kitchen, tell me', OSTERMANN);
  t.match(r.spec.trigger, { who: { kind: 'person', name: 'Jannik' }, activity: 'cooking', cameras: ['kitchen_cam'] });

  r = ok(t, 'warn me if a stranger shows up at the front door more than 2 times until tomorrow morning', OSTERMANN);
  t.match(r.spec.trigger, { who: { kind: 'unknown' }, count: 3 });
  t.equal(r.spec.expires_at, at('2026-05-03T08:00:00+02:00'));
  t.end();
});

t.test('standing orders in the Okafor household (London, Saturday 07:10)', (t) => {
  let r = ok(t, 'tell me when mum wakes up', OKAFOR);
  t.match(r.spec, { trigger: { who: { kind: 'person', name: 'Adaeze' }, activity: 'lying_down', on: 'end' }, once: true });
  r = ok(t, 'let me know if somebody is in the shed this afternoon', OKAFOR);
  t.match(r.spec.trigger, { who: { kind: 'anyone' }, zones: ['shed'], cameras: ['garden'] });
  t.equal(r.spec.starts_at, at('2026-11-14T12:00:00+00:00'), 'starts when the afternoon does');
  t.equal(r.spec.expires_at, at('2026-11-14T18:00:00+00:00'));
  t.match(r.confirmation, /from 12:00 today until 18:00 today\.$/);
  r = ok(t, 'notify me when Chidi gets to the porch for the next 2 hours', OKAFOR);
  t.match(r.spec.trigger, { who: { kind: 'person', name: 'Chidi' }, cameras: ['porch'] });
  t.equal(r.spec.expires_at, at('2026-11-14T09:10:00+00:00'));
  t.end();
});

t.test('what a watch cannot express is refused with a reason, never dropped', (t) => {
  const refused: Array<[string, GroundingContext, RegExp]> = [
    ['let me know if the dog gets on the sofa', OSTERMANN, /not for objects, animals/],
    ["tell me if Jannik doesn't come home by 10", OSTERMANN, /not for something that does not happen/],
    ['let me know when Opa leaves the house', OSTERMANN, /not yet for someone leaving/],
    ['tell me when Lotte and Jannik are in the kitchen', OSTERMANN, /one person/],
    ['let me know when the kids are in the kitchen', OSTERMANN, /several people/],
    ['alert me when my wife gets home', OKAFOR, /do not know who "my wife" is/],
    ['tell me when the kettle boils', OKAFOR, /not for objects/],
    ['let me know if it rains', OKAFOR, /whom to watch for/],
  ];
  for (const [q, g, why] of refused) {
    const r = parse(q, g);
    t.equal(r.ok, false, `refused: ${q}`);
    if (!r.ok) t.match(r.reason, why);
  }
  t.end();
});
