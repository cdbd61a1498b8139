/**
 * Security review items, against real daemon child processes: the embedded
 * broker with require_auth refuses anonymous clients and wrong passwords; the
 * daemon refuses a TLS broker whose certificate its CA did not sign (real
 * mosquitto with a test PKI) and says so in its health.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { hashPasswordLine } from '../../daemon/mqtt/index.js';
import { Mosquitto, freePort, makePki, report, runDaemon, tempDir, writeConfig } from './support.js';

async function tryConnect(url: string, opts: mqtt.IClientOptions = {}): Promise<string> {
  try {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...opts });
    await c.endAsync(true);
    return 'connected';
  } catch (err) {
    return (err as Error).message;
  }
}

t.test('embedded broker with require_auth: anonymous and wrong passwords refused', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const pw = join(dir, 'passwd');
  writeFileSync(pw, `${hashPasswordLine('ha', 's3cret')}\n`, { mode: 0o600 });
  const cfg = writeConfig(
    dir,
    `mqtt:\n  embedded: {port: ${port}, require_auth: true, password_file: ${pw}}\nvision:\n  enabled: false\nagent:\n  enabled: false\n`,
  );
  const d = await runDaemon(t, dir, cfg);
  const url = `mqtt://127.0.0.1:${port}`;
  const anon = await tryConnect(url);
  const wrong = await tryConnect(url, { username: 'ha', password: 'guess' });
  const unknown = await tryConnect(url, { username: 'root', password: 's3cret' });
  const good = await tryConnect(url, { username: 'ha', password: 's3cret' });
  t.not(anon, 'connected', `anonymous refused: ${anon}`);
  t.not(wrong, 'connected', `wrong password refused: ${wrong}`);
  t.not(unknown, 'connected', `unknown user refused: ${unknown}`);
  t.equal(good, 'connected', 'the configured user connects');
  t.ok(d.alive());
  report({
    scenario: 'security: embedded broker require_auth',
    result: anon !== 'connected' && wrong !== 'connected' && unknown !== 'connected' && good === 'connected' ? 'pass' : 'fail',
    expected: '3 refused (anonymous, wrong password, unknown user), 1 accepted',
    received: `anonymous: ${anon}; wrong pw: ${wrong}; unknown user: ${unknown}; good: ${good}`,
    recovery_ms: null,
  });
  await d.kill('SIGTERM');
});

t.test('TLS: a broker certificate from another CA is refused', async (t) => {
  const dir = tempDir(t);
  const pki = makePki(join(dir, 'pki'));
  const broker = await Mosquitto.start({ dir: join(dir, 'broker'), pki });
  t.teardown(() => broker.stop());
  const cfg = writeConfig(
    dir,
    `mqtt:\n  broker: external\n  url: ${broker.url}\n  protocol_version: 4\n  reconnect: {min_ms: 200, ` +
      `max_ms: 500}\n  tls: {ca_file: ${pki.otherCaFile}}\nvision:\n  enabled: false\nagent:\n  enabled: ` +
      `false\n`,
  );
  const d = await runDaemon(t, dir, cfg);
  let summary = '';
  await new Promise((r) => setTimeout(r, 2500)); // a few reconnect attempts
  const h = await d.healthz();
  const m = (h.body.modules as Array<{ name: string; state: string; health?: { status: string; summary: string } }>).find(
    (x) => x.name === 'mqtt',
  );
  summary = `${m?.health?.status}: ${m?.health?.summary}`;
  const logged = d
    .entries()
    .map((e) => JSON.stringify(e))
    .filter((l) => /certificate|self.signed|unable to verify|UNABLE_TO|CERT/i.test(l));
  t.not(m?.health?.status, 'ok', `mqtt not ok with the wrong CA: ${summary}`);
  t.ok(
    logged.length > 0 || /certificate|verify/i.test(summary),
    `the certificate problem is reported: ${(logged[0] ?? summary).slice(0, 200)}`,
  );
  t.notMatch(broker.log, /New client connected from .* as homesight/i, 'the broker never accepted the daemon');
  t.ok(d.alive(), 'daemon stays up');
  report({
    scenario: 'security: TLS broker cert from another CA',
    result: m?.health?.status !== 'ok' && d.alive() ? 'pass' : 'fail',
    expected: 'connection refused, reported, daemon up',
    received: `${summary.slice(0, 120)}`,
    recovery_ms: null,
    notes: (logged[0] ?? '').slice(0, 200),
  });
  await d.kill('SIGTERM');
});
