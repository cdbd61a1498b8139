import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

/**
 * The import graph of issue #16, checked with dependency-cruiser and the rules in .dependency-cruiser.cjs:
 * no circles (type-only imports included), nothing under daemon/ imports bench/ or cloud/, only the CLI
 * entry reaches bench/, and daemon folders use each other through their index.ts.
 */

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const depcruise = join(repo, 'node_modules', '.bin', 'depcruise');
const rules = join(repo, '.dependency-cruiser.cjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
  cycle?: Array<{ name: string }>;
}
interface CruiseResult {
  modules: Array<{ source: string; dependencies: Array<{ resolved: string; dependencyTypes: string[] }> }>;
  summary: { violations: Violation[]; totalCruised: number };
}

function cruise(cwd: string, dirs: string[]): CruiseResult {
  const r = spawnSync(depcruise, ['--config', rules, '--output-type', 'json', ...dirs], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error !== undefined) throw r.error;
  if (r.stdout.trim() === '') throw new Error(`depcruise printed nothing (exit ${String(r.status)}): ${r.stderr}`);
  return JSON.parse(r.stdout) as CruiseResult;
}

function describe(v: Violation): string {
  const path = v.cycle === undefined ? `${v.from} → ${v.to}` : [v.from, ...v.cycle.map((c) => c.name)].join(' → ');
  return `${v.rule.name}: ${path}`;
}

t.test('the tree holds every rule: no circles, daemon/ free of bench/ and cloud/, folders through their index.ts', (t) => {
  const result = cruise(repo, ['daemon', 'cloud', 'bench', 'bin']);
  t.ok(result.summary.totalCruised > 200, `cruised ${result.summary.totalCruised} modules`);
  const daemonFiles = result.modules.filter((m) => m.source.startsWith('daemon/')).length;
  t.ok(daemonFiles > 100, `daemon/ has ${daemonFiles} files in the graph`);
  const typeOnly = result.modules.some((m) => m.dependencies.some((d) => d.dependencyTypes.includes('type-only')));
  t.ok(typeOnly, 'type-only imports are edges of the graph (they count for circles)');
  t.same(result.summary.violations.map(describe), [], 'no violations');
  t.end();
});

t.test("the rules catch a type-only circle, a daemon → bench/cloud import and a reach into a folder's internals", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'homesight-imports-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(join(repo, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  const file = (p: string, text: string): void => {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  };
  file('daemon/alpha/index.ts', "export type { A } from './a.js';\n");
  file('daemon/alpha/a.ts', "import type { B } from './b.js';\nexport interface A { b?: B }\n");
  file('daemon/alpha/b.ts', "import type { A } from './a.js';\nexport interface B { a?: A }\n");
  file(
    'daemon/beta/index.ts',
    "import type { A } from '../alpha/a.js';\nimport { run } from '../../bench/run.js';\nimport { teach " +
      "} from '../../cloud/teach.js';\nexport type Beta = A;\nexport const go = (): void => { run(); " +
      'teach(); };\n',
  );
  file('bench/run.ts', 'export function run(): void {}\n');
  file('cloud/teach.ts', 'export function teach(): void {}\n');
  const rulesHit = new Set(cruise(dir, ['daemon', 'bench', 'cloud']).summary.violations.map((v) => v.rule.name));
  for (const rule of ['no-circular', 'daemon-not-to-bench-or-cloud', 'bench-only-from-its-bin', 'feature-through-index'])
    t.ok(rulesHit.has(rule), `${rule} fires`);
  t.end();
});
