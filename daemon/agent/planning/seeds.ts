import type { PlanRequest, TaskPlan } from '../catalog/index.js';

/**
 * Built-in example plans: the retrieval planner's starting library and the
 * local planner's few-shots before the household has accepted plans of its
 * own. Names, cameras and times in them are placeholders the retrieval
 * planner re-fills from each new question.
 */
export interface SeedExample {
  question: string;
  plan: TaskPlan;
}

type Vocabulary = PlanRequest['household'];

/** Names and cameras the seed questions use as placeholders. They are not household members: they only mask seed questions. */
const SEED_PLACEHOLDERS: Vocabulary = {
  people: [
    { name: 'Alice', aliases: [] },
    { name: 'Bob', aliases: [] },
  ],
  cameras: ['porch'],
  rooms: [],
};

/**
 * The vocabulary an example question (seed or past plan) is masked with before
 * its shape is compared: the household's names plus the seed placeholders, so
 * "When was Bob last seen?" has the shape of "When was Carol last seen?".
 */
export function exampleVocabulary(household: Vocabulary): Vocabulary {
  return {
    people: [...household.people, ...SEED_PLACEHOLDERS.people],
    cameras: [...household.cameras, ...SEED_PLACEHOLDERS.cameras],
    rooms: [...household.rooms, ...SEED_PLACEHOLDERS.rooms],
  };
}

const n = (task: string, args: Record<string, unknown>): { task: string; arguments: Record<string, unknown> } => ({
  task,
  arguments: args,
});

function plan(steps: string[], nodes: Array<{ task: string; arguments: Record<string, unknown> }>): TaskPlan {
  // Links follow the references (TaskBench resource style).
  const links: Array<{ source: string; target: string }> = [];
  nodes.forEach((node, i) => {
    for (const v of Object.values(node.arguments)) {
      for (const x of Array.isArray(v) ? v : [v]) {
        const m = typeof x === 'string' ? /^<node-(\d+)>$/.exec(x) : null;
        if (m !== null) {
          const link = { source: nodes[Number(m[1])]!.task, target: nodes[i]!.task };
          if (!links.some((l) => l.source === link.source && l.target === link.target)) links.push(link);
        }
      }
    }
  });
  return { task_steps: steps, task_nodes: nodes, task_links: links };
}

export const SEED_EXAMPLES: readonly SeedExample[] = [
  {
    question: 'Who was seen in the last hour?',
    plan: plan(
      ['Step 1: resolve "in the last hour"', 'Step 2: who was where in that range', 'Step 3: answer'],
      [
        n('resolve_time', { phrase: 'in the last hour' }),
        n('who_was_where', { start: '<node-0>', end: '<node-0>' }),
        n('compose_answer', { question: 'Who was seen in the last hour?', inputs: ['<node-0>', '<node-1>'] }),
      ],
    ),
  },
  {
    question: 'Who was in view between 7 and 8 pm and what were they doing?',
    plan: plan(
      [
        'Step 1: resolve "between 7 and 8 pm"',
        'Step 2: people, places and activities in that range',
        'Step 3: snapshots as evidence',
        'Step 4: answer',
      ],
      [
        n('resolve_time', { phrase: 'between 7 and 8 pm' }),
        n('who_was_where', { start: '<node-0>', end: '<node-0>' }),
        n('get_snapshot', { events: '<node-1>' }),
        n('compose_answer', {
          question: 'Who was in view between 7 and 8 pm and what were they doing?',
          inputs: ['<node-0>', '<node-1>', '<node-2>'],
        }),
      ],
    ),
  },
  {
    question: 'When was Bob last seen?',
    plan: plan(
      ['Step 1: last sighting of Bob', 'Step 2: its snapshot', 'Step 3: answer'],
      [
        n('last_seen', { person: 'Bob' }),
        n('get_snapshot', { events: '<node-0>' }),
        n('compose_answer', { question: 'When was Bob last seen?', inputs: ['<node-0>', '<node-1>'] }),
      ],
    ),
  },
  {
    question: 'What did Alice do yesterday?',
    plan: plan(
      ["Step 1: Alice's activity timeline for the day", 'Step 2: answer'],
      [
        n('activity_timeline', { person: 'Alice', day: '2024-05-03' }),
        n('compose_answer', { question: 'What did Alice do yesterday?', inputs: ['<node-0>'] }),
      ],
    ),
  },
  {
    question: 'How many times was someone at the porch today?',
    plan: plan(
      ['Step 1: resolve "today"', 'Step 2: count events on the porch camera', 'Step 3: answer'],
      [
        n('resolve_time', { phrase: 'today' }),
        n('count_events', { start: '<node-0>', end: '<node-0>', camera: 'porch' }),
        n('compose_answer', { question: 'How many times was someone at the porch today?', inputs: ['<node-0>', '<node-1>'] }),
      ],
    ),
  },
  {
    question: 'How long was each person around this morning?',
    plan: plan(
      ['Step 1: resolve "this morning"', 'Step 2: total time per person', 'Step 3: answer'],
      [
        n('resolve_time', { phrase: 'this morning' }),
        n('aggregate', { start: '<node-0>', end: '<node-0>', group_by: 'identity', metric: 'duration_s' }),
        n('compose_answer', { question: 'How long was each person around this morning?', inputs: ['<node-0>', '<node-1>'] }),
      ],
    ),
  },
  {
    question: 'Who is on the porch camera right now and what are they doing?',
    plan: plan(
      ['Step 1: resolve "now"', 'Step 2: frames of the porch camera', 'Step 3: who they are', 'Step 4: what they do', 'Step 5: answer'],
      [
        n('resolve_time', { phrase: 'now' }),
        n('get_frames', { camera: 'porch', start: '<node-0>', end: '<node-0>', fps: 1 }),
        n('recognize_identity', { frames: '<node-1>' }),
        n('recognize_activity', { frames: '<node-1>' }),
        n('compose_answer', {
          question: 'Who is on the porch camera right now and what are they doing?',
          inputs: ['<node-0>', '<node-2>', '<node-3>'],
        }),
      ],
    ),
  },
  {
    question: 'Did anyone fall last night?',
    plan: plan(
      [
        'Step 1: resolve "last night"',
        'Step 2: lying-down events (a fall shows as lying down)',
        'Step 3: clips as evidence',
        'Step 4: answer',
      ],
      [
        n('resolve_time', { phrase: 'last night' }),
        n('query_events', { start: '<node-0>', end: '<node-0>', activity: 'lying_down' }),
        n('evidence_clip', { events: '<node-1>' }),
        n('compose_answer', { question: 'Did anyone fall last night?', inputs: ['<node-0>', '<node-1>', '<node-2>'] }),
      ],
    ),
  },
  {
    question: 'Show me pictures of who came by this evening',
    plan: plan(
      ['Step 1: resolve "this evening"', 'Step 2: events in that range', 'Step 3: snapshots', 'Step 4: answer'],
      [
        n('resolve_time', { phrase: 'this evening' }),
        n('query_events', { start: '<node-0>', end: '<node-0>' }),
        n('get_snapshot', { events: '<node-1>', max: 5 }),
        n('compose_answer', { question: 'Show me pictures of who came by this evening', inputs: ['<node-0>', '<node-1>', '<node-2>'] }),
      ],
    ),
  },
  {
    question: 'What do you remember about the spare key?',
    plan: plan(
      ['Step 1: search long-term memory', 'Step 2: answer'],
      [
        n('recall_memory', { query: 'spare key' }),
        n('compose_answer', { question: 'What do you remember about the spare key?', inputs: ['<node-0>'] }),
      ],
    ),
  },
  {
    question: 'Remember that the cleaner comes on Fridays',
    plan: plan(
      ['Step 1: store the fact', 'Step 2: confirm'],
      [
        n('remember', { fact: 'the cleaner comes on Fridays' }),
        n('compose_answer', { question: 'Remember that the cleaner comes on Fridays', inputs: ['<node-0>'] }),
      ],
    ),
  },
  {
    question: 'Tell the hub that Bob is home',
    plan: plan(
      ['Step 1: publish to the home hub', 'Step 2: confirm'],
      [
        n('publish_to_hub', { topic: 'hub/notify', message: 'Bob is home' }),
        n('compose_answer', { question: 'Tell the hub that Bob is home', inputs: ['<node-0>'] }),
      ],
    ),
  },
  {
    question: 'Which camera saw the most activity today?',
    plan: plan(
      ['Step 1: resolve "today"', 'Step 2: count events per camera', 'Step 3: answer'],
      [
        n('resolve_time', { phrase: 'today' }),
        n('aggregate', { start: '<node-0>', end: '<node-0>', group_by: 'camera', metric: 'count' }),
        n('compose_answer', { question: 'Which camera saw the most activity today?', inputs: ['<node-0>', '<node-1>'] }),
      ],
    ),
  },
  {
    question: 'At what hours was Alice active yesterday?',
    plan: plan(
      ['Step 1: resolve "yesterday"', "Step 2: Alice's events per hour", 'Step 3: answer'],
      [
        n('resolve_time', { phrase: 'yesterday' }),
        n('aggregate', { start: '<node-0>', end: '<node-0>', group_by: 'hour', metric: 'count', identity: 'Alice' }),
        n('compose_answer', { question: 'At what hours was Alice active yesterday?', inputs: ['<node-0>', '<node-1>'] }),
      ],
    ),
  },
  {
    question: 'List everything that happened on the porch camera yesterday evening',
    plan: plan(
      ['Step 1: resolve "yesterday evening"', 'Step 2: events of the porch camera', 'Step 3: answer'],
      [
        n('resolve_time', { phrase: 'yesterday evening' }),
        n('query_events', { start: '<node-0>', end: '<node-0>', camera: 'porch' }),
        n('compose_answer', {
          question: 'List everything that happened on the porch camera yesterday evening',
          inputs: ['<node-0>', '<node-1>'],
        }),
      ],
    ),
  },
  {
    question: 'What were people doing on the porch camera between 10:00 and 10:05?',
    plan: plan(
      ['Step 1: resolve the range', 'Step 2: frames', 'Step 3: find people', 'Step 4: their activities', 'Step 5: answer'],
      [
        n('resolve_time', { phrase: 'between 10:00 and 10:05' }),
        n('get_frames', { camera: 'porch', start: '<node-0>', end: '<node-0>', fps: 1 }),
        n('detect_persons', { frames: '<node-1>' }),
        n('recognize_activity', { frames: '<node-2>' }),
        n('compose_answer', {
          question: 'What were people doing on the porch camera between 10:00 and 10:05?',
          inputs: ['<node-0>', '<node-3>'],
        }),
      ],
    ),
  },
];
