import { existsSync } from 'node:fs';
import { getLlama, LlamaCompletion, LlamaLogLevel } from 'node-llama-cpp';
import t from 'tap';
import { buildModelPrompt, parsePlanText, planTextGrammar } from '../../daemon/agent/planner-model/index.js';
import { detectMentions, placeholdersIn } from '../../daemon/grounding/index.js';
import { STORIES } from '../agent/support.js';
import { OKAFOR } from '../grounding/households.js';
import { Gbnf } from './gbnf.js';

/**
 * llama.cpp itself takes the generated grammars: it parses them, and what a
 * model writes under them is plan text that parses. stories260K writes
 * nonsense, which is the point: the grammar alone makes it valid.
 */
t.test(
  'llama.cpp parses the plan-text grammars and every finished generation parses',
  { skip: existsSync(STORIES) ? false : `no model at ${STORIES}` },
  async (t) => {
    const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: STORIES });
    const context = await model.createContext({ contextSize: 1024, threads: 1, sequences: 1 });
    t.teardown(async () => {
      await context.dispose();
      await model.dispose();
    });
    const question = 'when did my son come in through the front porch yesterday between 11 pm and 1 am?';
    const d = detectMentions(question, OKAFOR);
    const grammars = {
      generic: planTextGrammar(),
      request: planTextGrammar({
        placeholders: placeholdersIn(d.mentions),
        people: OKAFOR.people.map((p) => p.name),
        cameras: OKAFOR.cameras.map((c) => c.id),
        rooms: (OKAFOR.rooms ?? []).map((r) => r.name),
        question: d.text,
        allowTools: [],
      }),
    };
    const prompt = buildModelPrompt({ question: d, now: OKAFOR.now, timezone: OKAFOR.timezone });
    let finished = 0;
    for (const [name, text] of Object.entries(grammars)) {
      const grammar = await llama.createGrammar({ grammar: text });
      const recogniser = new Gbnf(text);
      for (const seed of [1, 2, 3]) {
        const sequence = context.getSequence();
        const completion = new LlamaCompletion({ contextSequence: sequence });
        const r = await completion.generateCompletionWithMeta(prompt, { grammar, maxTokens: 300, temperature: 1, seed });
        completion.dispose();
        sequence.dispose();
        if (r.metadata.stopReason === 'maxTokens') continue; // cut off by the token limit: a prefix, nothing to parse
        finished++;
        t.doesNotThrow(() => parsePlanText(r.response), `${name} grammar, seed ${seed}: ${JSON.stringify(r.response).slice(0, 200)}`);
        t.ok(recogniser.accepts(r.response), `${name} grammar, seed ${seed}: the test recogniser agrees`);
        if (name === 'request') t.notMatch(r.response, /publish_to_hub|remember /, 'side-effect tools not allowed are not written');
      }
    }
    t.ok(finished > 0, `${finished} of 6 generations finished within 300 tokens`);
  },
);
