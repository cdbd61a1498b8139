import t from 'tap';
import { isPossibleFall, type Watch, watchSpecSchema } from '../../daemon/contracts/index.js';
import { type WatchFiring, WatchEvaluator } from '../../daemon/watches/evaluate.js';
import { ManualScheduler, personEvent, watchOf } from './support.js';

const T0 = Date.UTC(2026, 4, 2, 18, 0, 0);
const MIN = 60_000;

function setup(): { s: ManualScheduler; ev: WatchEvaluator; fired: WatchFiring[]; add: (w: Watch) => Watch } {
  const s = new ManualScheduler(T0);
  const fired: WatchFiring[] = [];
  const ev = new WatchEvaluator(s, (f) => fired.push(f));
  return {
    s,
    ev,
    fired,
    add: (w) => {
      ev.add(w);
      return w;
    },
  };
}

t.test('an unknown person at the front door fires once per track, not per frame; a known face does not fire', (t) => {
  const { s, ev, fired, add } = setup();
  add(watchOf({ trigger: { who: { kind: 'unknown' }, cameras: ['front_door'], min_duration_s: 3 }, cooldown_s: 0 }, T0));
  const stranger = personEvent('e1', 'front_door', T0);
  ev.onEvent(stranger, 'new');
  s.advance(1000);
  ev.onEvent(stranger, 'update');
  t.equal(fired.length, 0, 'not before 3 s');
  s.advance(2500);
  t.equal(fired.length, 1, 'fired after 3 s of an unresolved face');
  for (let i = 0; i < 20; i++) {
    s.advance(200);
    ev.onEvent(stranger, 'update');
  }
  t.equal(fired.length, 1, 'frames of the same track do not fire again');
  // Opa arrives: his face resolves within the grace time.
  const opa = personEvent('e2', 'front_door', s.now());
  ev.onEvent(opa, 'new');
  s.advance(1000);
  ev.onEvent({ ...opa, identity: 'Opa' }, 'update');
  s.advance(10_000);
  t.equal(fired.length, 1, 'a person recognised within the grace time is not a stranger');
  // Another camera: not watched.
  ev.onEvent(personEvent('e3', 'garden', s.now()), 'new');
  s.advance(10_000);
  t.equal(fired.length, 1, 'other cameras do not fire it');
  t.end();
});

t.test('lying on the floor for more than a minute: the timer fires only when the condition held throughout', (t) => {
  const { s, ev, fired, add } = setup();
  const w = add(watchOf({ trigger: { activity: 'lying_down', min_duration_s: 60 }, cooldown_s: 0 }, T0));
  const p = personEvent('e1', 'living_room', T0, { identity: 'Opa' });
  ev.onEvent({ ...p, activity: 'lying_down' }, 'update');
  s.advance(30_000);
  ev.onEvent({ ...p, activity: 'sitting' }, 'update');
  s.advance(60_000);
  t.equal(fired.length, 0, 'lay down 30 s and sat up: nothing');
  ev.onEvent({ ...p, activity: 'lying_down' }, 'update');
  s.advance(59_000);
  t.equal(fired.length, 0);
  s.advance(2_000);
  t.equal(fired.length, 1, 'fired after a minute');
  t.equal(fired[0]!.watch.id, w.id);
  t.equal(fired[0]!.event.activity, 'lying_down');
  t.equal(fired[0]!.watch.fired, 1);
  t.end();
});

t.test('"gets up": an end trigger fires when the held activity stops while the person is still in view', (t) => {
  const { s, ev, fired, add } = setup();
  add(watchOf({ trigger: { who: { kind: 'person', name: 'Opa' }, activity: 'lying_down', on: 'end' }, once: true }, T0));
  const p = personEvent('e1', 'living_room', T0, { identity: 'Opa', activity: 'lying_down' });
  ev.onEvent(p, 'new');
  s.advance(20 * MIN);
  ev.onEvent(p, 'update');
  t.equal(fired.length, 0, 'still napping');
  ev.onEvent({ ...p, activity: 'sitting' }, 'update');
  t.equal(fired.length, 1, 'sat up: fired');
  t.equal(fired[0]!.watch.status, 'done', 'a once watch is done after firing');
  t.equal(ev.size, 0, 'and no longer evaluated');
  t.end();
});

t.test('an end trigger does not fire when the track just leaves the picture', (t) => {
  const { s, ev, fired, add } = setup();
  add(watchOf({ trigger: { who: { kind: 'person', name: 'Opa' }, activity: 'lying_down', on: 'end' } }, T0));
  const p = personEvent('e1', 'living_room', T0, { identity: 'Opa', activity: 'lying_down' });
  ev.onEvent(p, 'new');
  s.advance(MIN);
  ev.onEvent({ ...p, end: s.now() }, 'end');
  t.equal(fired.length, 0);
  t.end();
});

t.test('cooldown, count and the validity window', (t) => {
  const { s, ev, fired, add } = setup();
  add(watchOf({ trigger: { cameras: ['garden'] }, cooldown_s: 600 }, T0));
  ev.onEvent(personEvent('a', 'garden', s.now()), 'new');
  s.advance(MIN);
  ev.onEvent(personEvent('b', 'garden', s.now()), 'new');
  t.equal(fired.length, 1, 'the second person inside the cooldown is quiet');
  s.advance(10 * MIN);
  ev.onEvent(personEvent('c', 'garden', s.now()), 'new');
  t.equal(fired.length, 2, 'after the cooldown it fires again');

  const counted = setup();
  counted.add(watchOf({ trigger: { cameras: ['front_door'], count: 3 }, cooldown_s: 0 }, T0));
  for (const id of ['x', 'y']) counted.ev.onEvent(personEvent(id, 'front_door', T0), 'new');
  counted.ev.onEvent(personEvent('x', 'front_door', T0), 'update');
  t.equal(counted.fired.length, 0, 'two visitors (one seen twice) of three');
  counted.ev.onEvent(personEvent('z', 'front_door', T0), 'new');
  t.equal(counted.fired.length, 1, 'the third distinct visitor fires it');

  const windowed = setup();
  const w = windowed.add(watchOf({ trigger: {}, starts_at: T0 + 60 * MIN, expires_at: T0 + 120 * MIN }, T0));
  windowed.ev.onEvent(personEvent('p', 'garden', T0), 'new');
  t.equal(windowed.fired.length, 0, 'before the window');
  windowed.s.advance(61 * MIN);
  windowed.ev.onEvent(personEvent('q', 'garden', windowed.s.now()), 'new');
  t.equal(windowed.fired.length, 1, 'inside the window');
  windowed.s.advance(60 * MIN);
  t.same(windowed.ev.expired(windowed.s.now()), [w.id], 'reported expired at its end');
  windowed.ev.onEvent(personEvent('r', 'garden', windowed.s.now()), 'new');
  t.equal(windowed.fired.length, 1, 'after the window');
  t.end();
});

t.test('zones and identities: the index finds only matching watches', (t) => {
  const { ev, fired, add } = setup();
  const sofa = add(watchOf({ trigger: { who: { kind: 'person', name: 'Mia' }, zones: ['sofa'] }, cooldown_s: 0 }, T0));
  add(watchOf({ trigger: { who: { kind: 'person', name: 'Jonas' } }, cooldown_s: 0 }, T0));
  ev.onEvent(personEvent('m1', 'living_room', T0, { identity: 'Mia', attributes: { current_zones: ['door'] } }), 'new');
  t.equal(fired.length, 0, 'Mia, not on the sofa');
  ev.onEvent(personEvent('m1', 'living_room', T0, { identity: 'mia', attributes: { current_zones: ['sofa'] } }), 'update');
  t.equal(fired.length, 1, 'Mia on the sofa (names compare without case)');
  t.equal(fired[0]!.watch.id, sofa.id);
  ev.remove(sofa.id);
  ev.onEvent(personEvent('m2', 'living_room', T0, { identity: 'Mia', attributes: { current_zones: ['sofa'] } }), 'new');
  t.equal(fired.length, 1, 'a removed watch is gone');
  t.end();
});

t.test('a fall watch and a recap share one rule: lying down outside zones named bed, sofa or couch', (t) => {
  const cases: Array<[string | null, string[], boolean]> = [
    ['lying_down', [], true],
    ['lying_down', ['hall'], true],
    ['lying_down', ['sofa'], false],
    ['lying_down', ['Bed_left'], false],
    ['lying_down', ['hall', 'couch'], false],
    ['sitting', ['hall'], false],
    [null, [], false],
  ];
  for (const [activity, zones, fall] of cases) t.equal(isPossibleFall(activity, zones), fall, `${activity} in [${zones}]`);
  const { s, ev, fired, add } = setup();
  add(watchOf({ trigger: { activity: 'lying_down', fall: true, min_duration_s: 60 }, cooldown_s: 0 }, T0));
  const lying = add(watchOf({ trigger: { activity: 'lying_down', min_duration_s: 60 }, cooldown_s: 0 }, T0));
  cases.forEach(([activity, zones], i) => {
    // current_zones: the zones the person is in now (the event writer's), as the evaluator reads them.
    ev.onEvent(personEvent(`e${i}`, 'living_room', s.now(), { activity, attributes: { current_zones: zones } }), 'new');
  });
  s.advance(61_000);
  const byEvent = (id: string): string[] => fired.filter((f) => f.event.id === id).map((f) => (f.watch.id === lying.id ? 'lying' : 'fall'));
  cases.forEach(([activity, zones, fall], i) => {
    const expected = activity === 'lying_down' ? (fall ? ['fall', 'lying'] : ['lying']) : [];
    t.same(byEvent(`e${i}`).sort(), expected, `${activity} in [${zones}]: the fall watch fires iff isPossibleFall`);
  });
  t.notOk(
    watchSpecSchema.safeParse({ trigger: { activity: 'sitting', fall: true } }).success,
    'a fall watch with another activity is refused',
  );
  t.end();
});
