/**
 * The import-graph rules of issue #16 (checked by test/architecture/imports.test.ts
 * over daemon/, cloud/ and bench/; scripts/architecture-graph.sh draws the graph).
 * Type-only imports count: a circle through types still ties the folders together.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'no import circles, type-only imports included',
      from: {},
      to: { circular: true },
    },
    {
      name: 'daemon-not-to-bench-or-cloud',
      severity: 'error',
      comment: 'the daemon ships alone: it never imports the benchmark harness or the cloud teacher',
      from: { path: '^daemon/' },
      to: { path: '^(bench|cloud)/' },
    },
    {
      name: 'bench-only-from-its-bin',
      severity: 'error',
      comment: 'outside bench/ and tests, only bin/homesight.js (the dispatcher of `homesight bench|dataset`) reaches bench/',
      from: { pathNot: '^(bench|test)/|^bin/homesight(-bench)?\\.js$' },
      to: { path: '^bench/' },
    },
    {
      name: 'feature-through-index',
      severity: 'error',
      comment: 'a daemon folder uses another folder through its index.ts, never its internals',
      from: { path: '^daemon/([^/]+)/' },
      to: { path: '^daemon/[^/]+/', pathNot: ['^daemon/$1/', '^daemon/[^/]+/index\\.ts$'] },
    },
    {
      name: 'root-through-index',
      severity: 'error',
      comment: 'the composition root (daemon/*.ts) uses folders through their index.ts; daemon/modules.ts also reads their definition.ts',
      from: { path: '^daemon/[^/]+\\.ts$', pathNot: '^daemon/cli\\.ts$' },
      to: { path: '^daemon/[^/]+/', pathNot: ['^daemon/[^/]+/index\\.ts$', '^daemon/[^/]+/definition\\.ts$'] },
    },
    {
      name: 'definition-only-for-the-root',
      severity: 'error',
      comment: 'a folder\'s definition.ts (its module definition, which loads module.ts lazily) is read by daemon/modules.ts only',
      from: { pathNot: '^daemon/modules\\.ts$' },
      to: { path: '^daemon/[^/]+/definition\\.ts$' },
    },
    {
      name: 'cli-entry-through-index',
      severity: 'error',
      comment: 'daemon/cli.ts is the door of daemon/cli/ (bench/cli uses it); other folders only through their index.ts',
      from: { path: '^daemon/cli\\.ts$' },
      to: { path: '^daemon/[^/]+/', pathNot: ['^daemon/cli/', '^daemon/[^/]+/index\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|native)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
    reporterOptions: {
      dot: { collapsePattern: '^(daemon|cloud|bench)/[^/]+/|^bin/' },
    },
  },
};
