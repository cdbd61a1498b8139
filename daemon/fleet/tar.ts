import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PassThrough, Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { HomeSightError } from '../system/index.js';

/**
 * A minimal ustar (POSIX.1-1988 + pax `path` records) reader and writer for
 * update bundles. It handles only regular files and directories: links,
 * devices and FIFOs are refused when reading, so an archive can never write
 * outside the folder it is unpacked into. Readable by any tar (`tar -tzf`).
 */

const BLOCK = 512;

export interface TarWriteEntry {
  /** Path inside the archive (forward slashes, no leading /). */
  name: string;
  type: 'file' | 'dir';
  /** Source file on disk, or the bytes. */
  source?: string;
  data?: Buffer;
  mode?: number;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mode: number, type: '0' | '5' | 'x', mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  let prefix = '';
  let short = name;
  if (Buffer.byteLength(name) > 100) {
    // Split at a slash so prefix ≤ 155 and name ≤ 100 bytes (ustar); callers add a pax record when impossible.
    const i = name.lastIndexOf('/', 155);
    if (i > 0 && Buffer.byteLength(name.slice(i + 1)) <= 100 && Buffer.byteLength(name.slice(0, i)) <= 155) {
      prefix = name.slice(0, i);
      short = name.slice(i + 1);
    } else {
      short = name.slice(0, 99);
    }
  }
  h.write(short, 0, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii');
  h.write(octal(0, 8), 116, 8, 'ascii');
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(mtime, 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii');
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

function needsPax(name: string): boolean {
  if (Buffer.byteLength(name) <= 100) return false;
  const i = name.lastIndexOf('/', 155);
  return !(i > 0 && Buffer.byteLength(name.slice(i + 1)) <= 100 && Buffer.byteLength(name.slice(0, i)) <= 155);
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (Buffer.byteLength(String(len)) + Buffer.byteLength(body) !== len) len = Buffer.byteLength(String(len)) + Buffer.byteLength(body);
  return Buffer.from(`${len}${body}`, 'utf8');
}

function pad(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rest, 0);
}

/** Writes a .tar.gz with the entries in order. */
export async function writeTarGz(file: string, entries: readonly TarWriteEntry[], mtime = Math.floor(Date.now() / 1000)): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const out = new PassThrough();
  const done = pipeline(out, createGzip({ level: 6 }), createWriteStream(file));
  const write = async (b: Buffer): Promise<void> => {
    if (!out.write(b)) await new Promise<void>((r) => out.once('drain', () => r()));
  };
  try {
    for (const e of entries) {
      const name = e.type === 'dir' && !e.name.endsWith('/') ? `${e.name}/` : e.name;
      if (needsPax(name)) {
        const rec = paxRecord('path', name);
        await write(header(`PaxHeader/${name.slice(-80)}`, rec.length, 0o644, 'x', mtime));
        await write(rec);
        await write(pad(rec.length));
      }
      if (e.type === 'dir') {
        await write(header(name, 0, e.mode ?? 0o755, '5', mtime));
        continue;
      }
      const size = e.data !== undefined ? e.data.length : (await stat(e.source!)).size;
      await write(header(name, size, e.mode ?? 0o644, '0', mtime));
      if (e.data !== undefined) await write(e.data);
      else {
        let n = 0;
        for await (const chunk of createReadStream(e.source!)) {
          n += (chunk as Buffer).length;
          await write(chunk as Buffer);
        }
        if (n !== size) throw new HomeSightError('E_TAR_WRITE', `${e.source} changed while it was archived`);
      }
      await write(pad(size));
    }
    await write(Buffer.alloc(BLOCK * 2, 0));
  } finally {
    out.end();
  }
  await done;
}

export interface TarReadEntry {
  name: string;
  type: 'file' | 'dir';
  size: number;
  mode: number;
}

export interface TarReadLimits {
  maxEntries: number;
  maxTotalBytes: number;
}

function parseOctal(buf: Buffer, start: number, len: number): number {
  const s = buf
    .toString('ascii', start, start + len)
    .replace(/\0.*$/, '')
    .trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new HomeSightError('E_TAR_FORMAT', 'bad number in a tar header');
  return parseInt(s, 8);
}

function cstring(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + len ? start + len : end);
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp === -1) break;
    const len = Number(data.toString('ascii', i, sp));
    if (!Number.isInteger(len) || len <= 0 || i + len > data.length) throw new HomeSightError('E_TAR_FORMAT', 'bad pax record');
    const rec = data.toString('utf8', sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/**
 * Streams a .tar.gz. For each entry, `target(entry)` returns where a file
 * goes (absolute path) or null to refuse the archive; file contents are
 * written there and their sha256 returned in the result.
 */
export async function readTarGz(
  file: string,
  target: (e: TarReadEntry) => string | null,
  limits: TarReadLimits,
): Promise<Map<string, { sha256: string; size: number; mode: number; type: 'file' | 'dir' }>> {
  const out = new Map<string, { sha256: string; size: number; mode: number; type: 'file' | 'dir' }>();
  const src = createReadStream(file).pipe(createGunzip());
  const reader = chunkReader(src);
  let total = 0;
  let pax: Record<string, string> = {};
  let longName: string | null = null;
  let zeros = 0;
  for (;;) {
    const h = await reader.read(BLOCK);
    if (h === null) throw new HomeSightError('E_TAR_FORMAT', 'the archive ends without its end marker (truncated download?)');
    if (h.every((b) => b === 0)) {
      if (++zeros === 2) break;
      continue;
    }
    zeros = 0;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    if (sum !== parseOctal(h, 148, 8)) throw new HomeSightError('E_TAR_FORMAT', 'tar header checksum mismatch (corrupt archive)');
    const typeflag = String.fromCharCode(h[156]!);
    const size = parseOctal(h, 124, 12);
    const mode = parseOctal(h, 100, 8);
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L') {
      if (size > 65_536) throw new HomeSightError('E_TAR_FORMAT', 'oversized tar extension header');
      const data = await reader.read(size + pad(size).length);
      if (data === null) throw new HomeSightError('E_TAR_FORMAT', 'truncated tar extension header');
      if (typeflag === 'x') pax = parsePax(data.subarray(0, size));
      if (typeflag === 'L') longName = data.toString('utf8', 0, size).replace(/\0+$/, '');
      continue;
    }
    const prefix = cstring(h, 345, 155);
    let name = pax.path ?? longName ?? (prefix === '' ? cstring(h, 0, 100) : `${prefix}/${cstring(h, 0, 100)}`);
    pax = {};
    longName = null;
    let type: 'file' | 'dir';
    if (typeflag === '0' || typeflag === '\0' || typeflag === '7') type = 'file';
    else if (typeflag === '5') type = 'dir';
    else {
      const kind =
        { '1': 'hard link', '2': 'symbolic link', '3': 'character device', '4': 'block device', '6': 'FIFO' }[typeflag] ??
        `type "${typeflag}"`;
      throw new HomeSightError(
        'E_BUNDLE_UNSAFE_ENTRY',
        `bundle contains a ${kind} (${name.slice(0, 200)}); only files and folders are allowed`,
        {
          hint: 'links are listed in the signed manifest, not stored in the archive; rebuild with scripts/make-bundle',
        },
      );
    }
    if (type === 'dir') name = name.replace(/\/+$/, '');
    if (out.size >= limits.maxEntries) throw new HomeSightError('E_BUNDLE_TOO_BIG', `bundle has more than ${limits.maxEntries} entries`);
    total += size;
    if (total > limits.maxTotalBytes)
      throw new HomeSightError('E_BUNDLE_TOO_BIG', `bundle unpacks to more than ${limits.maxTotalBytes} bytes`);
    if (out.has(name)) throw new HomeSightError('E_BUNDLE_UNSAFE_ENTRY', `bundle lists ${name.slice(0, 200)} twice`);
    const entry: TarReadEntry = { name, type, size, mode };
    const dest = target(entry);
    if (dest === null)
      throw new HomeSightError('E_BUNDLE_UNSAFE_PATH', `bundle entry "${name.slice(0, 200)}" is outside the allowed layout`, {
        hint: 'a bundle holds manifest.json, manifest.sig and payload/…',
      });
    if (type === 'dir') {
      await mkdir(dest, { recursive: true });
      out.set(name, { sha256: '', size: 0, mode, type });
      continue;
    }
    await mkdir(dirname(dest), { recursive: true });
    const fh = await open(dest, 'wx', 0o600);
    const hash = createHash('sha256');
    try {
      let left = size;
      while (left > 0) {
        const chunk = await reader.readUpTo(left);
        if (chunk === null) throw new HomeSightError('E_TAR_FORMAT', `archive truncated inside ${name.slice(0, 200)}`);
        hash.update(chunk);
        await fh.write(chunk);
        left -= chunk.length;
      }
    } finally {
      await fh.close();
    }
    const padding = pad(size).length;
    if (padding > 0 && (await reader.read(padding)) === null) throw new HomeSightError('E_TAR_FORMAT', 'archive truncated');
    out.set(name, { sha256: hash.digest('hex'), size, mode, type });
  }
  src.destroy();
  return out;
}

/** Pull-style reads over a stream: exact sizes for headers, chunks for file data. */
function chunkReader(stream: Readable): { read(n: number): Promise<Buffer | null>; readUpTo(n: number): Promise<Buffer | null> } {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let buf: Buffer = Buffer.alloc(0);
  let ended = false;
  const fill = async (): Promise<boolean> => {
    if (ended) return false;
    try {
      const r = await it.next();
      if (r.done === true) {
        ended = true;
        return false;
      }
      buf = buf.length === 0 ? r.value : Buffer.concat([buf, r.value]);
      return true;
    } catch (err) {
      throw new HomeSightError('E_TAR_FORMAT', `not a gzip-compressed tar archive (${(err as Error).message})`, { cause: err });
    }
  };
  return {
    async read(n) {
      while (buf.length < n) if (!(await fill())) return null;
      const out = buf.subarray(0, n);
      buf = buf.subarray(n);
      return out;
    },
    async readUpTo(n) {
      if (buf.length === 0 && !(await fill())) return null;
      const take = Math.min(n, buf.length);
      const out = buf.subarray(0, take);
      buf = buf.subarray(take);
      return out;
    },
  };
}
