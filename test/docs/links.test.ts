/**
 * Every relative link in README.md and docs/ points at a file that exists,
 * and a `#fragment` at a heading of that file (GitHub's heading ids).
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import t from 'tap';

const root = new URL('../../', import.meta.url).pathname;

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/** Text outside fenced code blocks and inline code, where a link is a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's id for a heading: lower case, punctuation dropped, spaces to "-"; repeats get -1, -2… */
function headingIds(markdown: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = (m[1] ?? '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .trim()
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    ids.add(n === 0 ? base : `${base}-${n}`);
  }
  return ids;
}

const files = [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))];
for (const file of files) {
  t.test(relative(root, file), async (t) => {
    const text = readFileSync(file, 'utf8');
    const links = [...prose(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] ?? '');
    const local = links.filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l));
    for (const link of local) {
      const [target = '', fragment] = link.split('#');
      const path = target === '' ? file : join(dirname(file), decodeURIComponent(target));
      if (!existsSync(path)) {
        t.fail(`${link}: ${relative(root, path)} does not exist`);
        continue;
      }
      if (fragment !== undefined && fragment !== '' && path.endsWith('.md')) {
        t.ok(headingIds(readFileSync(path, 'utf8')).has(fragment), `${link}: ${relative(root, path)} has a heading #${fragment}`);
      } else t.pass(`${link} exists`);
    }
  });
}
