import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import ts from 'typescript';

/**
 * Issue #16, Build item 5: a daemon folder's index.ts is its public surface, so it exports only names that code
 * outside the folder imports (daemon/, bench/, cloud/, scripts/, bin/, and the tests of other folders). The scan
 * parses every source file with the TypeScript parser (no type checking, so it stays fast) and counts named
 * imports, `import type`, `export … from` re-exports and destructured dynamic `import()` calls that reach a
 * barrel. A folder's own tests (test/<folder>/) import its internal files when they need internals.
 */

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scanned = ['daemon', 'bench', 'cloud', 'scripts', 'bin', 'test'];
/** Marks a barrel as reached by a namespace object whose members could not be followed. */
const EVERY_NAME = '*';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts|tsx)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The barrel a module specifier reaches, as a repo-relative path, or null for anything else. */
function barrelOf(fromFile: string, specifier: string, barrels: Set<string>): string | null {
  if (!specifier.startsWith('.')) return null;
  const target = relative(repo, resolve(dirname(fromFile), specifier))
    .split(sep)
    .join('/');
  const ts = target.replace(/\.js$/, '.ts');
  if (barrels.has(ts)) return ts;
  if (barrels.has(`${target}/index.ts`)) return `${target}/index.ts`;
  return null;
}

/** Names a binding takes from a module object: destructured names, or `ns.member` uses of a namespace binding. */
function namesFromBinding(name: ts.BindingName, text: string): string[] {
  if (ts.isObjectBindingPattern(name)) {
    return name.elements.map((e) => (e.propertyName && ts.isIdentifier(e.propertyName) ? e.propertyName.text : e.name.getText()));
  }
  if (ts.isIdentifier(name)) {
    const members = [...text.matchAll(new RegExp(`\\b${name.text}\\.(\\w+)`, 'g'))].map((m) => m[1] as string);
    return members.length > 0 ? members : [EVERY_NAME];
  }
  return [EVERY_NAME];
}

/** What a dynamic `import(...)` call binds: `const {a} = await import(x)` or `const [{a}, {b}] = await Promise.all([...])`. */
function namesFromDynamicImport(call: ts.CallExpression, text: string): string[] {
  let node: ts.Node = call;
  let position = -1;
  if (ts.isArrayLiteralExpression(node.parent)) {
    position = node.parent.elements.indexOf(call);
    node = node.parent.parent; // Promise.all([...])
  }
  if (ts.isAwaitExpression(node.parent)) node = node.parent;
  if (!ts.isVariableDeclaration(node.parent)) return [EVERY_NAME];
  const binding = node.parent.name;
  if (position < 0) return namesFromBinding(binding, text);
  if (!ts.isArrayBindingPattern(binding)) return [EVERY_NAME];
  const element = binding.elements[position];
  return element && ts.isBindingElement(element) ? namesFromBinding(element.name, text) : [EVERY_NAME];
}

/** Every barrel each file reaches, with the names it takes. */
function usesOf(file: string, barrels: Set<string>, record: (barrel: string, name: string, from: string) => void): void {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const from = relative(repo, file).split(sep).join('/');
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const barrel = barrelOf(file, node.moduleSpecifier.text, barrels);
      const clause = node.importClause;
      if (barrel && clause) {
        if (clause.name) record(barrel, 'default', from);
        const bindings = clause.namedBindings;
        if (bindings && ts.isNamedImports(bindings)) {
          for (const e of bindings.elements) record(barrel, (e.propertyName ?? e.name).text, from);
        } else if (bindings && ts.isNamespaceImport(bindings)) {
          for (const n of namesFromBinding(bindings.name, text)) record(barrel, n, from);
        }
      }
      return;
    }
    if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const barrel = barrelOf(file, node.moduleSpecifier.text, barrels);
      if (barrel) {
        const clause = node.exportClause;
        if (clause && ts.isNamedExports(clause)) {
          for (const e of clause.elements) record(barrel, (e.propertyName ?? e.name).text, from);
        } else record(barrel, EVERY_NAME, from);
      }
      return;
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      const barrel = arg && ts.isStringLiteral(arg) ? barrelOf(file, arg.text, barrels) : null;
      if (barrel) for (const n of namesFromDynamicImport(node, text)) record(barrel, n, from);
    }
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      const barrel = barrelOf(file, node.argument.literal.text, barrels);
      if (barrel) {
        const q = node.qualifier;
        record(barrel, q ? (ts.isIdentifier(q) ? q.text : (q.getText().split('.')[0] ?? EVERY_NAME)) : EVERY_NAME, from);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

/** The names a barrel exports; `export *` is reported separately because its names are not spelled out. */
function exportsOf(barrel: string): { names: string[]; star: boolean } {
  const text = readFileSync(join(repo, barrel), 'utf8');
  const source = ts.createSourceFile(barrel, text, ts.ScriptTarget.Latest, true);
  const names: string[] = [];
  let star = false;
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      const clause = statement.exportClause;
      if (clause && ts.isNamedExports(clause)) names.push(...clause.elements.map((e) => e.name.text));
      else star = true;
      continue;
    }
    const exported = ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) continue;
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) names.push(d.name.getText());
    } else if ('name' in statement && statement.name && ts.isIdentifier(statement.name as ts.Node)) {
      names.push((statement.name as ts.Identifier).text);
    }
  }
  return { names, star };
}

/** daemon/<folder>/ and its own tests, test/<folder>/: uses from there do not count. */
function isInside(barrel: string, from: string): boolean {
  const folder = barrel.split('/')[1] as string;
  return from.startsWith(`daemon/${folder}/`) || from.startsWith(`test/${folder}/`);
}

const folders = readdirSync(join(repo, 'daemon')).filter((f) => {
  try {
    return statSync(join(repo, 'daemon', f, 'index.ts')).isFile();
  } catch {
    return false;
  }
});
const barrels = new Set(folders.map((f) => `daemon/${f}/index.ts`));
const used = new Map<string, Set<string>>([...barrels].map((b) => [b, new Set<string>()]));
for (const dir of scanned) {
  for (const file of sourceFiles(join(repo, dir))) {
    usesOf(file, barrels, (barrel, name, from) => {
      if (!isInside(barrel, from)) used.get(barrel)?.add(name);
    });
  }
}

t.test('the scan sees every daemon folder barrel', async (t) => {
  t.ok(barrels.size >= 10, `found ${[...barrels].join(', ')}`);
});

for (const barrel of [...barrels].sort()) {
  t.test(`${barrel} exports only what other folders import`, async (t) => {
    const { names, star } = exportsOf(barrel);
    t.notOk(star, 'no `export *`: a barrel spells out its public names');
    const uses = used.get(barrel) ?? new Set<string>();
    const unused = uses.has(EVERY_NAME) ? [] : names.filter((n) => !uses.has(n)).sort();
    t.same(unused, [], `exported but imported by nothing outside daemon/${barrel.split('/')[1]}/ (drop them from the barrel)`);
    const missing = [...uses].filter((n) => n !== EVERY_NAME && !names.includes(n)).sort();
    t.same(missing, [], 'imported from the barrel but not exported by it');
  });
}
