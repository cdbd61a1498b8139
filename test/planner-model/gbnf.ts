/**
 * A GBNF recogniser for tests: parses the subset of llama.cpp's grammar
 * syntax that planTextGrammar writes (literals, character classes with
 * ranges and escapes, groups, alternation, ?, *, +, {m,n}, rule references)
 * and tells whether a whole text is in the grammar's language. It checks
 * the grammar without a model; the model test checks that llama.cpp parses it.
 */

type Node =
  | { t: 'lit'; s: string }
  | { t: 'class'; neg: boolean; ranges: Array<[number, number]> }
  | { t: 'ref'; name: string }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number };

function unescape(src: string, i: number): [number, number] {
  const c = src[i]!;
  if (c !== '\\') return [src.codePointAt(i)!, i + (src.codePointAt(i)! > 0xffff ? 2 : 1)];
  const n = src[i + 1]!;
  const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', '[': '[', ']': ']', '-': '-', '/': '/' };
  if (n in simple) return [simple[n]!.codePointAt(0)!, i + 2];
  if (n === 'x') return [parseInt(src.slice(i + 2, i + 4), 16), i + 4];
  if (n === 'u') return [parseInt(src.slice(i + 2, i + 6), 16), i + 6];
  throw new Error(`unknown escape \\${n}`);
}

class Parser {
  i = 0;
  constructor(readonly src: string) {}
  ws(): void {
    while (this.i < this.src.length && /[ \t]/.test(this.src[this.i]!)) this.i++;
  }
  alt(): Node {
    const alts = [this.seq()];
    this.ws();
    while (this.src[this.i] === '|') {
      this.i++;
      alts.push(this.seq());
      this.ws();
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }
  seq(): Node {
    const items: Node[] = [];
    for (;;) {
      this.ws();
      const c = this.src[this.i];
      if (c === undefined || c === '|' || c === ')' || c === '\n') break;
      let node = this.atom();
      for (;;) {
        const p = this.src[this.i];
        if (p === '?') node = { t: 'rep', node, min: 0, max: 1 };
        else if (p === '*') node = { t: 'rep', node, min: 0, max: Infinity };
        else if (p === '+') node = { t: 'rep', node, min: 1, max: Infinity };
        else if (p === '{') {
          const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i))!;
          const min = Number(m[1]);
          const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
          node = { t: 'rep', node, min, max };
          this.i += m[0].length - 1;
        } else break;
        this.i++;
      }
      items.push(node);
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }
  atom(): Node {
    const c = this.src[this.i]!;
    if (c === '"') {
      this.i++;
      let s = '';
      while (this.src[this.i] !== '"') {
        const [cp, next] = unescape(this.src, this.i);
        s += String.fromCodePoint(cp);
        this.i = next;
      }
      this.i++;
      return { t: 'lit', s };
    }
    if (c === '[') {
      this.i++;
      const neg = this.src[this.i] === '^';
      if (neg) this.i++;
      const ranges: Array<[number, number]> = [];
      while (this.src[this.i] !== ']') {
        const [a, next] = unescape(this.src, this.i);
        this.i = next;
        if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']') {
          const [b, n2] = unescape(this.src, this.i + 1);
          this.i = n2;
          ranges.push([a, b]);
        } else ranges.push([a, a]);
      }
      this.i++;
      return { t: 'class', neg, ranges };
    }
    if (c === '(') {
      this.i++;
      const inner = this.alt();
      this.ws();
      if (this.src[this.i] !== ')') throw new Error(`expected ) at ${this.i}`);
      this.i++;
      return inner;
    }
    const m = /^[a-zA-Z0-9-]+/.exec(this.src.slice(this.i));
    if (m === null) throw new Error(`unexpected ${JSON.stringify(this.src.slice(this.i, this.i + 20))}`);
    this.i += m[0].length;
    return { t: 'ref', name: m[0] };
  }
}

export class Gbnf {
  readonly rules = new Map<string, Node>();
  constructor(grammar: string) {
    for (const line of grammar.split('\n')) {
      if (line.trim() === '') continue;
      const m = /^([a-zA-Z0-9-]+) ::= (.*)$/.exec(line);
      if (m === null) throw new Error(`not a rule: ${line.slice(0, 80)}`);
      const p = new Parser(m[2]!);
      const node = p.alt();
      if (p.i !== m[2]!.length) throw new Error(`rule ${m[1]}: trailing text at ${p.i}: ${m[2]!.slice(p.i, p.i + 30)}`);
      this.rules.set(m[1]!, node);
    }
    for (const [name, node] of this.rules) this.checkRefs(name, node);
  }

  private checkRefs(rule: string, n: Node): void {
    if (n.t === 'ref' && !this.rules.has(n.name)) throw new Error(`rule ${rule} refers to undefined rule ${n.name}`);
    if (n.t === 'seq') n.items.forEach((x) => this.checkRefs(rule, x));
    if (n.t === 'alt') n.alts.forEach((x) => this.checkRefs(rule, x));
    if (n.t === 'rep') this.checkRefs(rule, n.node);
  }

  /** Whether the whole text matches `root`. */
  accepts(text: string): boolean {
    const cps = Array.from(text).map((c) => c.codePointAt(0)!);
    const memo = new Map<string, Set<number>>();
    const match = (n: Node, pos: number): Set<number> => {
      switch (n.t) {
        case 'lit': {
          const s = Array.from(n.s).map((c) => c.codePointAt(0)!);
          for (let k = 0; k < s.length; k++) if (cps[pos + k] !== s[k]) return new Set();
          return new Set([pos + s.length]);
        }
        case 'class': {
          const c = cps[pos];
          if (c === undefined) return new Set();
          const inside = n.ranges.some(([a, b]) => c >= a && c <= b);
          return inside !== n.neg ? new Set([pos + 1]) : new Set();
        }
        case 'ref': {
          const key = `${n.name}@${pos}`;
          const hit = memo.get(key);
          if (hit !== undefined) return hit;
          memo.set(key, new Set());
          const r = match(this.rules.get(n.name)!, pos);
          memo.set(key, r);
          return r;
        }
        case 'seq': {
          let cur = new Set([pos]);
          for (const item of n.items) {
            const next = new Set<number>();
            for (const p of cur) for (const e of match(item, p)) next.add(e);
            cur = next;
            if (cur.size === 0) break;
          }
          return cur;
        }
        case 'alt': {
          const out = new Set<number>();
          for (const a of n.alts) for (const e of match(a, pos)) out.add(e);
          return out;
        }
        case 'rep': {
          const out = new Set<number>();
          let cur = new Set([pos]);
          if (n.min === 0) out.add(pos);
          for (let k = 1; k <= n.max && cur.size > 0; k++) {
            const next = new Set<number>();
            for (const p of cur) for (const e of match(n.node, p)) if (e !== p) next.add(e);
            cur = next;
            if (k >= n.min) for (const e of cur) out.add(e);
          }
          return out;
        }
      }
    };
    return match({ t: 'ref', name: 'root' }, 0).has(cps.length);
  }
}
