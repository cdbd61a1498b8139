/**
 * Scenario 9: config reload with a bad file (SIGHUP and the MQTT reload
 * command) is rejected and the running config is kept; the daemon keeps
 * answering; a good file afterwards is applied.
 */
import t from 'tap';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AgentClient } from '../../daemon/agent/index.js';
import { Consumer, freePort, report, runDaemon, tempDir, waitFor, writeConfig } from './support.js';

t.test('scenario 9: a bad config file on reload is rejected, the running config kept', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const cfg = writeConfig(
    dir,
    `mqtt:\n  embedded: {port: ${port}}\nvision:\n  enabled: false\nagent:\n  planner: retrieval\n  rate_limit_per_min: 1000\n`,
  );
  const good = readFileSync(cfg, 'utf8');
  const d = await runDaemon(t, dir, cfg);
  const url = `mqtt://127.0.0.1:${port}`;
  const client = new AgentClient({ url, deviceTopic: 'homesight/hub1', protocolVersion: 4 });
  t.teardown(() => client.close());
  const c = await Consumer.connect(url);
  t.teardown(() => c.close());
  await c.subscribe('reload/#');

  const bad: Array<{ what: string; write: () => void }> = [
    { what: 'invalid YAML', write: () => writeFileSync(cfg, 'mqtt: [unclosed\n  : : :\n') },
    { what: 'schema violation (port is a string)', write: () => writeFileSync(cfg, good.replace(`port: ${port}`, 'port: "abc"')) },
    { what: 'unknown key (strict schema)', write: () => writeFileSync(cfg, `${good}no_such_section: {x: 1}\n`) },
    {
      what: 'truncated half-written file',
      write: () => writeFileSync(cfg, good.slice(0, Math.floor(good.length / 2)) + '\n  embedded: {port: '),
    },
    { what: 'binary garbage', write: () => writeFileSync(cfg, Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x9b, 0x5b, 0x00])) },
    { what: 'file deleted', write: () => rmSync(cfg) },
  ];
  let rejected = 0;
  const times: number[] = [];
  for (const b of bad) {
    b.write();
    const before = d.find(/config reload rejected/).length;
    const t0 = Date.now();
    process.kill(d.pid, 'SIGHUP');
    await waitFor(() => d.find(/config reload rejected/).length > before, 10_000, `rejection of ${b.what}`);
    times.push(Date.now() - t0);
    t.notOk(d.find(/^config reloaded$/).length > 0, `${b.what}: not applied`);
    t.ok(d.alive(), `${b.what}: daemon alive`);
    const h = await d.healthz();
    t.equal(h.status, 200, `${b.what}: healthz 200`);
    const env = await client.ask('Who was seen in the last hour?', {}, { timeoutMs: 15_000 });
    t.equal(env.status, 'ok', `${b.what}: still answers questions on the running config`);
    rejected++;
  }
  const last = d.find(/config reload rejected/).at(-1)!;
  t.ok(Array.isArray(last.problems) && (last.problems as string[]).length > 0, 'the rejection names the problem');

  // The reload command over MQTT gets an error reply while the file is bad.
  writeFileSync(cfg, 'mqtt: [unclosed\n');
  await c.client.publishAsync('homesight/hub1/command/reload', JSON.stringify({ reply_to: 'reload/r1' }), { qos: 1 });
  const r1 = await c.waitTopic('reload/r1', () => true, 10_000);
  t.equal((r1.json() as { status: string }).status, 'error', `reload command refused: ${r1.text().slice(0, 200)}`);

  // A good file with live changes is applied; an agent key the running agent cannot change is reported as needing a restart.
  writeFileSync(
    cfg,
    good.replace('level: info', 'level: debug').replace('rate_limit_per_min: 1000', 'rate_limit_per_min: 999\n  max_repairs: 1'),
  );
  process.kill(d.pid, 'SIGHUP');
  await waitFor(() => d.find(/^config reloaded$/).length > 0, 10_000, 'good reload');
  const ok = d.find(/^config reloaded$/)[0]!;
  t.ok((ok.applied as string[]).includes('log.level'), 'log.level applied live');
  t.ok((ok.applied as string[]).includes('agent.max_repairs'), 'agent.max_repairs applied live');
  t.notOk((ok.applied as string[]).includes('agent.rate_limit_per_min'), 'agent.rate_limit_per_min is not reported as applied');
  t.ok((ok.needsRestart as string[]).includes('agent.rate_limit_per_min'), 'agent.rate_limit_per_min needs a restart');
  t.ok(d.alive());
  t.same(d.find(/unhandled promise rejection/), []);
  report({
    scenario: '9 config reload with a bad file',
    result: rejected === bad.length && d.alive() ? 'pass' : 'fail',
    expected: `${bad.length} bad files rejected + MQTT reload refused, then 1 good applied`,
    received: `${rejected} rejected, reload command ${(r1.json() as { status: string }).status}, good file applied`,
    recovery_ms: Math.max(...times),
    notes: `SIGHUP→rejection ${times.join('/')} ms; daemon answered a question after each`,
  });
  const stop = await d.kill('SIGTERM');
  t.equal(stop.code, 0);
});
