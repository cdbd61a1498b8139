import t from 'tap';
import {
  canonicalTime,
  editDistance,
  gemScores,
  ianvsAccuracy,
  ianvsBWT,
  ianvsFWT,
  levenshteinRatio,
  lifelongScores,
  normalizeValue,
  percentile,
  planItems,
  pythonStr,
  rougeL,
  rougeN,
  rougeTokens,
  samplesTransferRatio,
  setF1,
  stepRouge,
  structuralPlanErrors,
  taskAvgAcc,
  contentType,
  linkKey,
} from '../../bench/harness/index.js';
import { taskPlanSchema, type TaskPlan } from '../../daemon/agent/index.js';

/** [equal within 1e-12, message] for t.ok(...near(got, want, msg)). */
const near = (got: number | null, want: number, msg: string): [boolean, string] => [
  got !== null && Math.abs(got - want) < 1e-12,
  `${msg}: got ${got}, want ${want}`,
];

const plan = (p: unknown): TaskPlan => taskPlanSchema.parse(p);

t.test('ROUGE tokenisation follows rouge_score (lower-case, [a-z0-9] runs)', async (t) => {
  t.same(rougeTokens("Step 1: Find who's THERE!"), ['step', '1', 'find', 'who', 's', 'there']);
  t.same(rougeTokens('Café — ok'), ['caf', 'ok']);
  t.same(rougeTokens(''), []);
});

t.test('ROUGE-N and ROUGE-L on hand-computed pairs', async (t) => {
  t.equal(rougeN('the cat sat', 'the cat sat', 1).fmeasure, 1);
  // pred the×2 cat, ref the cat: overlap = min(2,1) + 1 = 2; P = 2/3, R = 1 → F = 0.8
  t.ok(...near(rougeN('the cat the', 'the cat', 1).fmeasure, 0.8, 'clipped unigram counts'));
  t.ok(...near(rougeN('the cat sat', 'the cat ran', 2).fmeasure, 0.5, 'bigrams'));
  t.equal(rougeN('word', 'word', 2).fmeasure, 0, 'no bigrams → 0 (rouge_score)');
  t.ok(...near(rougeL('a b c d', 'a c b d').fmeasure, 0.75, 'LCS 3 of 4'));
  t.equal(rougeN('', 'the cat', 1).fmeasure, 0, 'empty prediction');
  t.equal(rougeL('', '').fmeasure, 0, 'both empty');
  // The damaged t2 steps of the e2e fixture: 13 predicted, 18 gold tokens.
  const gold = 'Step 1: Resolve the time\nStep 2: Find who was in the kitchen\nStep 3: Compose the answer';
  const pred = 'Step 1: Resolve the time\nStep 2: Find who was in the hall';
  t.ok(...near(rougeN(pred, gold, 1).fmeasure, 24 / 31, 'ROUGE-1 = 2·12/(13+18)'));
  t.ok(...near(rougeN(pred, gold, 2).fmeasure, 22 / 29, 'ROUGE-2 = 2·11/(12+17)'));
  t.ok(...near(rougeL(pred, gold).fmeasure, 24 / 31, 'ROUGE-L = 2·12/(13+18)'));
});

t.test('step ROUGE averages per sample and skips samples without gold steps', async (t) => {
  const r = stepRouge([
    { gold: ['the cat sat'], pred: ['the cat sat'] },
    { gold: ['the cat sat'], pred: [] },
    { gold: [], pred: ['anything'] },
  ]);
  t.equal(r.support, 2);
  t.ok(...near(r.rouge1, 0.5, 'mean of 1 and 0'));
  t.same(stepRouge([]), { rouge1: null, rouge2: null, rougeL: null, support: 0 });
});

t.test('set F1 pools samples as sets (TaskBench flatten, no matching)', async (t) => {
  // duplicates collapse: gold {a, b}, pred {a}
  const dup = setF1([{ gold: ['a', 'a', 'b'], pred: ['a', 'a', 'a'] }]);
  t.match(dup, { tp: 1, fp: 0, fn: 1, precision: 1, recall: 0.5 });
  t.ok(...near(dup.f1, 2 / 3, 'duplicates'));
  // micro pooling differs from a mean of per-sample F1 (0.4 and 1 → 0.7)
  const pooled = setF1([
    { gold: ['a', 'b', 'c', 'd'], pred: ['a'] },
    { gold: ['e'], pred: ['e'] },
  ]);
  t.ok(...near(pooled.f1, 4 / 7, 'pooled TP 2, FN 3'));
  // empty plans: nothing to measure
  t.same(setF1([{ gold: [], pred: [] }]), { precision: null, recall: null, f1: null, tp: 0, fp: 0, fn: 0, samples: 1 });
  // empty prediction against gold: recall 0, precision undefined, F1 0
  t.match(setF1([{ gold: ['a'], pred: [] }]), { precision: null, recall: 0, f1: 0 });
  // vocabulary: names outside it are ignored on both sides (hallucinated tool is not a false positive)
  const v = setF1([{ gold: ['a'], pred: ['a', 'ghost'] }], new Set(['a', 'b']));
  t.match(v, { tp: 1, fp: 0, fn: 0, f1: 1 });
});

t.test('Levenshtein ratio is python-Levenshtein ratio (InDel) and edit distance is 1 − mean', async (t) => {
  t.ok(...near(levenshteinRatio([...'kitten'], [...'sitting']), 8 / 13, 'Levenshtein.ratio("kitten","sitting") = 0.6153846'));
  t.ok(...near(levenshteinRatio([1, 2, 3], [1, 3, 2]), 4 / 6, 'swap'));
  t.equal(levenshteinRatio([], []), 1);
  t.equal(levenshteinRatio([1], []), 0);
  const vocab = ['a', 'b', 'c'];
  t.ok(
    ...near(
      editDistance(
        [
          { gold: ['a', 'b', 'c'], pred: ['a', 'c', 'b'] },
          { gold: ['a'], pred: ['a'] },
        ],
        vocab,
      )!,
      1 - (2 / 3 + 1) / 2,
      'mean over samples',
    ),
  );
  // unknown names all map to id 0, so two different unknown names compare equal (evaluate.py's tool_map.get(name, 0))
  t.equal(editDistance([{ gold: ['a', 'ghost'], pred: ['a', 'phantom'] }], vocab), 0);
  t.equal(editDistance([{ gold: ['a', 'ghost'], pred: ['a', 'phantom'] }]), 1 - 2 / 4, 'without a vocabulary names are their own symbols');
  t.equal(editDistance([]), null);
});

t.test('percentile interpolates linearly like numpy', async (t) => {
  t.equal(percentile([4, 1, 3, 2], 50), 2.5);
  t.ok(...near(percentile([1, 2, 3, 4], 95), 3.85, 'numpy.percentile([1,2,3,4], 95)'));
  t.equal(percentile([7], 95), 7);
  t.equal(percentile([], 50), null);
});

t.test('values: times canonicalised to the UTC minute, text case and whitespace', async (t) => {
  t.equal(canonicalTime('2024-05-01T18:00:00-04:00'), '2024-05-01T22:00Z');
  t.equal(canonicalTime('2024-05-01 22:00:59Z'), '2024-05-01T22:00Z', 'seconds dropped');
  t.equal(canonicalTime('2024-05-01T20:00', 'Europe/Berlin'), '2024-05-01T18:00Z', 'summer time +02:00');
  t.equal(canonicalTime('2024-01-15T20:00', 'Europe/Berlin'), '2024-01-15T19:00Z', 'winter time +01:00');
  t.equal(
    canonicalTime('2026-10-25T02:30', 'Europe/Berlin'),
    '2026-10-25T00:30Z',
    'a repeated local time is its first occurrence (+02:00)',
  );
  t.equal(canonicalTime('2026-03-08T02:30', 'America/New_York'), '2026-03-08T07:30Z', 'a skipped local time moves forward (03:30 -04:00)');
  t.equal(canonicalTime('2024-05-01T20:00', 'Mars/Olympus'), '2024-05-01T20:00Z', 'an unknown zone reads as UTC');
  t.equal(canonicalTime('2024-05-01T20:00+0530'), '2024-05-01T14:30Z');
  t.equal(canonicalTime('yesterday'), null);
  t.equal(canonicalTime('2024-05-01'), null, 'a date alone is not a time');
  t.equal(normalizeValue('  Living   Room '), 'living room');
  t.equal(normalizeValue({ start: 'X', end: '2024-05-01T19:00:00-04:00' }), '{"end":"2024-05-01T23:00Z","start":"x"}');
  t.equal(normalizeValue(3), '3');
  t.equal(normalizeValue(true), 'true');
  t.equal(pythonStr(true), 'True');
  t.equal(pythonStr(null), 'None');
  t.equal(pythonStr(['<node-1>']), "['<node-1>']");
  t.equal(pythonStr({ a: 1, b: 'x' }), "{'a': 1, 'b': 'x'}");
});

t.test('TaskBench temporal mode (dailylifeapis): hand-computed n/e/t/v-F1 and edit distance', async (t) => {
  const gold = plan({
    task_nodes: [
      {
        task: 'search_flights',
        arguments: [
          { name: 'from', value: 'Paris' },
          { name: 'date', value: '2024-05-01' },
        ],
      },
      { task: 'book_car', arguments: [{ name: 'city', value: 'Rome' }] },
    ],
    task_links: [{ source: 'search_flights', target: 'book_car' }],
  });
  const pred = plan({
    task_nodes: [
      {
        task: 'search_flights',
        arguments: [
          { name: 'from', value: 'paris' },
          { name: 'to', value: 'Rome' },
        ],
      },
      { task: 'book_hotel', arguments: [{ name: 'city', value: 'Rome' }] },
    ],
    task_links: [{ source: 'search_flights', target: 'book_hotel' }],
  });
  const g = planItems(gold, { mode: 'temporal' });
  const p = planItems(pred, { mode: 'temporal' });
  t.same(g.argNames, ['search_flights-from', 'search_flights-date', 'book_car-city']);
  t.same(g.argValuesExact, ['search_flights-from-Paris', 'search_flights-date-2024-05-01', 'book_car-city-Rome']);
  t.same(p.links, [linkKey('search_flights', 'book_hotel')]);
  const vocab = new Set(['search_flights', 'book_car', 'book_hotel']);
  t.equal(setF1([{ gold: g.names, pred: p.names }], vocab).f1, 0.5, 'n-F1: TP1 FP1 FN1');
  t.equal(setF1([{ gold: g.links, pred: p.links }]).f1, 0, 'e-F1');
  t.ok(...near(setF1([{ gold: g.argNames, pred: p.argNames }]).f1, 1 / 3, 't-F1: TP1 FP2 FN2 → 2/(2+2+2)'));
  t.equal(setF1([{ gold: g.argValuesExact, pred: p.argValuesExact }]).f1, 0, 'v-F1 exact: "Paris" ≠ "paris"');
  t.ok(...near(setF1([{ gold: g.argValues, pred: p.argValues }]).f1, 1 / 3, 'v-F1 normalised: TP1 FP2 FN2'));
  t.equal(editDistance([{ gold: g.names, pred: p.names }], [...vocab]), 0.5, 'ids [1,2] vs [1,3]');
});

t.test('TaskBench resource mode (multimedia): links and argument names derived as evaluate.py does', async (t) => {
  const outputTypes = new Map([
    ['Video-to-Image', 'image'],
    ['Image Stitcher', 'image'],
    ['Image Colorizer', 'image'],
    ['Image-to-Text', 'text'],
    ['Text Summarizer', 'text'],
  ]);
  const gold = plan({
    task_nodes: [
      { task: 'Video-to-Image', arguments: ['example.mp4'] },
      { task: 'Image Stitcher', arguments: ['example.jpg', '<node-0>'] },
      { task: 'Image Colorizer', arguments: ['<node-1>'] },
    ],
    task_links: [],
  });
  const pred = plan({
    task_nodes: [
      { task: 'Video-to-Image', arguments: ['example.mp4'] },
      { task: 'Image_Colorizer', arguments: ['<node-0>'] },
      { task: 'Image Stitcher', arguments: ['example.png', '<node-1>'] },
    ],
    task_links: [{ source: 'Video-to-Image', target: 'Image Stitcher' }],
  });
  const g = planItems(gold, { mode: 'resource', outputTypes });
  const p = planItems(pred, { mode: 'resource', outputTypes });
  t.same(
    g.links,
    [linkKey('Video-to-Image', 'Image Stitcher'), linkKey('Image Stitcher', 'Image Colorizer')],
    'links from <node-j> references',
  );
  // predicted task_links are ignored; the reference's target keeps the raw task name (evaluate.py quirk)
  t.same(p.links, [linkKey('Video-to-Image', 'Image_Colorizer'), linkKey('Image Colorizer', 'Image Stitcher')]);
  t.same(p.names, ['Video-to-Image', 'Image Colorizer', 'Image Stitcher'], '"_" → " "');
  t.same(g.argValuesExact, [
    'Video-to-Image-video-example.mp4',
    'Image Stitcher-image-example.jpg',
    'Image Stitcher-image-Video-to-Image',
    'Image Colorizer-image-Image Stitcher',
  ]);
  t.same(p.argNames, ['Video-to-Image-video', 'Image Colorizer-image', 'Image Stitcher-image', 'Image Stitcher-image']);
  t.equal(contentType("'clip.au'"), 'audio');
  t.equal(contentType('notes.txt'), 'text');
  // self references are skipped
  t.same(
    planItems(plan({ task_nodes: [{ task: 'Image Colorizer', arguments: ['<node-0>'] }] }), { mode: 'resource', outputTypes }).argNames,
    [],
  );
});

t.test('temporal items resolve <node-j> values to the source tool name (order-independent v-F1)', async (t) => {
  const a = planItems(
    plan({
      task_nodes: [
        { task: 'resolve_time', arguments: { phrase: 'today' } },
        { task: 'count_events', arguments: { start: '<node-0>', end: '<node-0>' } },
      ],
    }),
    { mode: 'temporal' },
  );
  t.same(a.argValues, ['resolve_time-phrase-today', 'count_events-start-resolve_time', 'count_events-end-resolve_time']);
  t.same(a.argValuesExact, ['resolve_time-phrase-today', 'count_events-start-<node-0>', 'count_events-end-<node-0>']);
});

t.test('lifelong: Ianvs BWT/FWT/accuracy and GEM variants on a hand-computed 3-round matrix', async (t) => {
  const M = [
    [0.2, 0.1, 0.0],
    [0.8, 0.3, 0.1],
    [0.7, 0.9, 0.2],
    [0.6, 0.8, 0.9],
  ];
  t.ok(...near(ianvsBWT(M), 2.0 / 9, 'BWT = 1/R² Σ_j (M[R][j] − M[0][j])'));
  t.ok(...near(ianvsFWT(M), 0.4 / 3, 'FWT = 1/R Σ_i (M[i][i] − M[0][i])'));
  t.ok(...near(ianvsAccuracy(M), 5.3 / 9, 'mean of rows 1..R'));
  t.ok(...near(taskAvgAcc(M), 2.3 / 3, 'final row mean'));
  const gem = gemScores(M);
  t.ok(...near(gem.BWT, -0.15, 'GEM BWT = mean_j (R_T,j − R_j,j)'));
  t.ok(...near(gem.FWT, 0.2, 'GEM FWT = mean_j (R_j−1,j − b_j)'));
  t.ok(...near(gem.ACC, 2.3 / 3, 'GEM ACC'));
  t.same(lifelongScores(M).MATRIX, M.slice(1));
  // null cells are skipped, denominators stay (Ianvs checks 'accuracy' in each cell)
  t.ok(
    ...near(
      ianvsBWT([
        [null, 0],
        [1, 0.5],
        [1, 1],
      ]),
      0.25,
      'skipped term',
    ),
  );
  t.throws(() => ianvsBWT([[1, 2]]), RangeError, 'needs two rows');
  t.throws(() => ianvsBWT([[1, 2], [1]]), RangeError, 'ragged rows');
  t.same(gemScores([[0.1], [0.5]]), { ACC: 0.5, BWT: null, FWT: null }, 'one round: no transfer defined');
  t.equal(
    samplesTransferRatio([
      { inferred: 10, transferred: 3 },
      { inferred: 5, transferred: 1 },
    ]),
    0.25,
  );
});

t.test('structural validity: unknown tools, bad references, dangling links, cycles', async (t) => {
  const tools = new Set(['a', 'b']);
  t.same(
    structuralPlanErrors(
      plan({
        task_nodes: [
          { task: 'a', arguments: ['x'] },
          { task: 'b', arguments: ['<node-0>'] },
        ],
        task_links: [{ source: 'a', target: 'b' }],
      }),
      tools,
    ),
    [],
  );
  t.match(structuralPlanErrors(plan({ task_nodes: [] })), ['plan has no nodes']);
  t.match(structuralPlanErrors(plan({ task_nodes: [{ task: 'zz', arguments: [] }] }), tools), [/unknown tool "zz"/]);
  t.match(structuralPlanErrors(plan({ task_nodes: [{ task: 'a', arguments: ['<node-0>'] }] }), tools), [/refers to itself/]);
  t.match(structuralPlanErrors(plan({ task_nodes: [{ task: 'a', arguments: ['<node-5>'] }] }), tools), [/does not exist/]);
  t.match(structuralPlanErrors(plan({ task_nodes: [{ task: 'a', arguments: [] }], task_links: [{ source: 'a', target: 'q' }] }), tools), [
    /not a node/,
  ]);
  t.match(
    structuralPlanErrors(
      plan({
        task_nodes: [
          { task: 'a', arguments: [] },
          { task: 'b', arguments: [] },
        ],
        task_links: [
          { source: 'a', target: 'b' },
          { source: 'b', target: 'a' },
        ],
      }),
      tools,
    ),
    ['task_links form a cycle'],
  );
});
