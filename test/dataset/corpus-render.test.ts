import t from 'tap';
import type { TurnInput } from '../../bench/corpus/build.js';
import { ConversationDrawer } from '../../bench/corpus/generate.js';
import { generateHouseholds } from '../../bench/corpus/households.js';
import { mapsBack, renderTurn } from '../../bench/corpus/render.js';
import { parsePlanText, samePlan } from '../../daemon/agent/planner-model/index.js';
import { relexicalise } from '../../daemon/grounding/index.js';

// The corpus rendered with the planner model's own formats: every target parses, and the
// placeholders map back (relexicalise) to exactly the gold plan, so no sample teaches a wrong plan.
const turns: TurnInput[] = [];
for (const ch of generateHouseholds(11, 12)) {
  const drawer = new ConversationDrawer(ch.household, 11);
  for (let i = 0; i < 30; i++) {
    const conv = drawer.draw();
    if (conv === null) continue;
    conv.turns.forEach((turn, ti) => {
      const history = conv.turns.slice(0, ti).map((x) => ({ question: x.draft.instruction, answer: x.draft.answer, plan: x.draft.plan }));
      turns.push({
        household: ch.household,
        now: conv.now,
        timezone: ch.household.timezone,
        question: turn.draft.instruction,
        plan: turn.draft.plan,
        history,
      });
    });
  }
}

for (const delex of [true, false]) {
  t.test(`${delex ? 'delexicalised' : 'raw'} targets parse and relexicalise to the gold plan`, async (t) => {
    t.ok(turns.length > 300, `${turns.length} turns`);
    const wrong: string[] = [];
    for (const turn of turns) {
      const r = renderTurn(turn, delex);
      t.match(r.prompt, /^now \d{4}-\d{2}-\d{2} \d{2}:\d{2} \w{3} \S+\n/);
      t.ok(r.prompt.endsWith('\n') && r.target.endsWith('end\n'));
      const back = relexicalise(parsePlanText(r.target), r.mentions, { question: turn.question });
      t.equal(r.faithful, samePlan(back, turn.plan) || mapsBack(r.target, r.mentions, turn.question, turn.plan));
      if (!r.faithful) wrong.push(`${turn.question}\n${r.target}`);
      if (!delex) t.equal(r.mentions.length, 0);
    }
    // The builder leaves unfaithful turns out (or keeps them raw); they must stay rare.
    t.ok(wrong.length <= turns.length * 0.05, `${wrong.length} of ${turns.length} do not map back:\n${wrong.slice(0, 3).join('\n')}`);
  });
}
