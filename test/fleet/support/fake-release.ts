import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A tiny "release" tree: package.json and bin/homesight.js, a real program
 * that serves /healthz with its version on HOMESIGHT_HEALTH__PORT (like the
 * daemon), or — with `behaviour: 'crash'` — exits with code 1 at start.
 * `version` as a command prints the version (the bundle's self-check).
 */
export function makeFakeRelease(dir: string, version: string, behaviour: 'healthy' | 'crash' | 'bad-self-check' = 'healthy'): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'homesight', version, type: 'module', private: true }, null, 2) + '\n');
  writeFileSync(
    join(dir, 'bin', 'homesight.js'),
    `#!/usr/bin/env node
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const behaviour = ${JSON.stringify(behaviour)};
if (process.argv[2] === 'version') {
  if (behaviour === 'bad-self-check') { console.error('self-check: cannot load config'); process.exit(2); }
  console.log('homesight ' + version);
  process.exit(0);
}
if (behaviour === 'crash') { console.error('fatal: release ' + version + ' cannot start'); process.exit(1); }
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ status: 'ok', version, pid: process.pid }));
});
server.listen(Number(process.env.HOMESIGHT_HEALTH__PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`,
    { mode: 0o755 },
  );
  writeFileSync(join(dir, 'README.txt'), `release ${version}\n`);
  return dir;
}
