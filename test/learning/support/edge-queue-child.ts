/**
 * Child process for the queue persistence test: queues samples while the teacher is down, keeps retrying, and
 * prints "queued N" after each sample — the parent SIGKILLs it mid-way.
 */
import { HttpTeacherClient } from '../../../daemon/learning/index.js';
import { ManualClock } from '../../../daemon/system/index.js';
import { failedAnswer, makeEdge } from './edge-helpers.js';

const [dir, url, n] = process.argv.slice(2) as [string, string, string];
const clock = new ManualClock(Date.parse('2024-05-02T10:00:00Z'));
const { edge } = makeEdge(dir, new HttpTeacherClient({ baseUrl: url, token: 'tok', timeoutMs: 500 }), clock);
for (let i = 0; i < Number(n); i++) {
  await edge.onAnswered(failedAnswer(`ans-${i}`));
  clock.advance(2000);
  await edge.sync({ force: true }); // fails: the teacher is down
  process.stdout.write(`queued ${i + 1}\n`);
}
setInterval(() => undefined, 1000); // wait to be killed
