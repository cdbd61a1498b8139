import { open, realpath } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';

/** Larger files are not attached (a person crop is ~20–80 KB; 640 px maximum side). */
const MAX_BYTES = 4 * 2 ** 20;

/**
 * Reads stored snapshots for image content. Only JPEG files under paths.data_dir are read: get_snapshot takes its
 * events as JSON from the client, so a path in them is the client's word, never a licence to read any file.
 */
export class SnapshotReader {
  private root: Promise<string | null> | null = null;

  constructor(private readonly dataDir: string) {}

  private rootDir(): Promise<string | null> {
    this.root ??= realpath(this.dataDir).catch(() => null);
    return this.root;
  }

  /** The JPEG bytes, or null when the file is missing, outside data_dir, too large or not a JPEG. */
  async read(path: string): Promise<Buffer | null> {
    const root = await this.rootDir();
    if (root === null) return null;
    let file: string;
    try {
      file = await realpath(isAbsolute(path) ? path : resolve(this.dataDir, path));
    } catch {
      return null;
    }
    if (!file.startsWith(root + sep)) return null;
    const handle = await open(file, 'r').catch(() => null);
    if (handle === null) return null;
    try {
      const { size } = await handle.stat();
      if (size < 4 || size > MAX_BYTES) return null;
      const bytes = await handle.readFile();
      return bytes[0] === 0xff && bytes[1] === 0xd8 ? bytes : null;
    } finally {
      await handle.close();
    }
  }
}
