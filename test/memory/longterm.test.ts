import t from 'tap';
import { join } from 'node:path';
import { MemoryStore } from '../../daemon/memory/index.js';
import { LexicalEmbedder, cosine } from '../../daemon/memory/embedder.js';
import { ftsQuery } from '../../daemon/memory/longterm.js';
import { type LongTermInput } from '../../daemon/memory/types.js';
import { silentLogger } from '../../daemon/system/index.js';
import { openStore } from './support.js';

const ITEMS: Array<Omit<LongTermInput, 'embedding' | 'embedModel'>> = [
  { kind: 'fact', text: "Alice's birthday is on the 14th of May" },
  { kind: 'name', text: 'The children call grandma "Oma"' },
  { kind: 'preference', text: 'Bob prefers the porch light off at night' },
  { kind: 'fact', text: 'The dog is called Rex and sleeps in the hall' },
  {
    kind: 'plan',
    text: 'who was in the kitchen yesterday evening',
    payload: { question: 'who was in the kitchen yesterday evening', plan: { nodes: [{ task: 'who_was_where' }] } },
  },
  { kind: 'correction', text: 'The person on the garage camera at 7am is the gardener, not a stranger' },
  { kind: 'preference', text: 'Carol likes the thermostat at 21 degrees in the living room' },
  {
    kind: 'pseudo_label',
    text: 'clip porch-0412: activity = delivering parcel',
    payload: { clip: 'porch-0412', label: 'delivering parcel' },
  },
];

t.test('the lexical embedder is deterministic, normalised and forgiving of typos', async (t) => {
  const e = new LexicalEmbedder();
  const [a, b, c, d] = await e.embed(['Alice birthday', 'Alice birthday', 'alise birthdy', 'garage camera']);
  t.equal(e.dim, 256);
  t.same(Array.from(a!), Array.from(b!));
  t.ok(Math.abs(cosine(a!, a!) - 1) < 1e-6);
  t.ok(cosine(a!, c!) > 0.2, `typos still close: ${cosine(a!, c!).toFixed(3)}`);
  t.ok(cosine(a!, d!) < cosine(a!, c!), 'unrelated text is further');
  t.equal(ftsQuery('Who was "here"?'), '"here"', 'stop words dropped, quotes cannot break out');
  t.equal(ftsQuery('the of and'), null);
});

t.test('recall returns the right item first', async (t) => {
  const { store } = openStore(t);
  for (const item of ITEMS) await store.longTerm.remember(item);
  const top = async (q: string): Promise<string | undefined> => (await store.longTerm.recall(q, 3))[0]?.item.text;
  t.equal(await top("When is Alice's birthday?"), ITEMS[0]!.text);
  t.equal(await top('what do the kids call grandma'), ITEMS[1]!.text);
  t.equal(await top('who was in the kitchen last evening?'), ITEMS[4]!.text);
  t.equal(await top('is the porch light on at night'), ITEMS[2]!.text);
  t.equal(await top('what temperature does Carol like'), ITEMS[6]!.text);
  t.equal(await top('who is the man at the garage in the morning'), ITEMS[5]!.text);
  const plan = (await store.longTerm.recall('who was in the kitchen yesterday evening', 1))[0]!;
  t.same(plan.item.payload, ITEMS[4]!.payload, 'accepted plan comes back with its payload');
  t.equal(plan.item.kind, 'plan');
  t.ok(plan.score > 0.9, `exact question scores high: ${plan.score}`);
});

t.test('cosine covers what keywords miss; keywords cover items without embeddings', async (t) => {
  const { store } = openStore(t);
  for (const item of ITEMS) await store.longTerm.remember(item);
  // Misspelled: FTS5 matches nothing, the trigram embedding still does.
  const typo = (await store.longTerm.recall('alise birthdy', 1))[0];
  t.equal(typo?.item.text, ITEMS[0]!.text);
  t.equal(typo?.keyword, null);
  t.ok((typo?.cosine ?? 0) > 0);
  // An item stored without an embedding is found by keyword, also with a query embedding.
  store.longTerm.add({ kind: 'fact', text: 'The spare key is under the blue flowerpot' });
  t.equal(store.longTerm.search('where is the spare key', null, 1)[0]?.item.text, 'The spare key is under the blue flowerpot');
  t.equal((await store.longTerm.recall('spare key flowerpot', 1))[0]?.item.text, 'The spare key is under the blue flowerpot');
  // Kind filter.
  t.same(
    store.longTerm.search('porch', null, 5, { kind: 'pseudo_label' }).map((h) => h.item.kind),
    ['pseudo_label'],
  );
  t.same(store.longTerm.search('zebra unicorn', null, 5), [], 'no match, no hits');
  t.same(store.longTerm.list({ kind: 'preference' }).length, 2);
  const id = store.longTerm.list({ kind: 'name' })[0]!.id;
  t.ok(store.longTerm.remove(id));
  t.notOk(
    store.longTerm.search('grandma', null, 5).some((h) => h.item.id === id),
    'removed from the keyword index too',
  );
});

t.test('swapping the embedder: vectors of another model are not compared until re-embedded', async (t) => {
  const { store, dir } = openStore(t);
  for (const item of ITEMS) await store.longTerm.remember(item);
  store.close();
  const other = new LexicalEmbedder({ dim: 64 });
  const s2 = new MemoryStore({
    file: join(dir, 'memory.db'),
    log: silentLogger(),
    clock: { now: () => 0, monotonic: () => 0 },
    embedder: other,
  });
  t.teardown(() => s2.close());
  const before = await s2.longTerm.recall('alise birthdy', 1);
  t.same(before, [], 'old 256-d vectors are not compared with 64-d queries');
  t.equal(await s2.longTerm.reembed(3), ITEMS.length);
  t.equal((await s2.longTerm.recall('alise birthdy', 1))[0]?.item.text, ITEMS[0]!.text);
  t.equal(await s2.longTerm.reembed(), 0, 'nothing left to re-embed');
});
