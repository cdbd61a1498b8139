import t from 'tap';
import { z } from 'zod';
import { configSchema, isLiveKey, liveKeys } from '../../daemon/config/index.js';
import { live } from '../../daemon/config/live.js';

t.test('the live keys are the ones the schema marks, in schema order', (t) => {
  t.same(liveKeys(configSchema), [
    'log.level',
    'recordings',
    'memory.event_retain_days',
    'memory.retention_interval_s',
    'memory.delete_snapshots',
    'agent.max_repairs',
    'agent.allow_tools',
    'agent.hub_topics',
    'learning.upload',
    'learning.mining',
  ]);
  t.end();
});

t.test('live() keeps the description; marks under defaults and on whole objects are found', (t) => {
  const schema = z.strictObject({
    a: live(z.number().default(1).describe('one')),
    b: z.strictObject({ c: live(z.string().optional()), d: z.number().default(2) }).prefault({}),
    e: live(z.strictObject({ f: z.number().default(3) }).prefault({})),
    g: z.boolean().default(false),
  });
  t.equal(schema.shape.a.meta()?.description, 'one');
  t.same(liveKeys(schema), ['a', 'b.c', 'e']);
  t.ok(isLiveKey('e.f', liveKeys(schema)), 'a key under a live object is live');
  t.notOk(isLiveKey('b.d', liveKeys(schema)));
  t.notOk(isLiveKey('ab', ['a']), 'a prefix of the name is not enough');
  t.end();
});
