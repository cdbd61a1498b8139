import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { get } from 'node:https';
import { HomeSightError } from '../system/index.js';

export interface DownloadOptions {
  maxBytes: number;
  timeoutMs: number;
  /** Extra CA certificates (PEM) besides the system ones. */
  ca?: Buffer;
  /** Expected sha256 of the whole file (hex), when the sender gives one. */
  sha256?: string;
}

/** Downloads an HTTPS URL to a file with a size cap, a timeout and at most 3 redirects (HTTPS only). */
export async function download(url: string, dest: string, o: DownloadOptions, redirects = 3): Promise<{ bytes: number; sha256: string }> {
  const u = new URL(url);
  if (u.protocol !== 'https:') throw new HomeSightError('E_FLEET_URL', `only https:// bundle URLs are accepted (got ${u.protocol})`);
  if (u.username !== '' || u.password !== '') throw new HomeSightError('E_FLEET_URL', 'bundle URLs must not carry credentials');
  try {
    return await new Promise<{ bytes: number; sha256: string }>((resolve, reject) => {
      const caOpt = o.ca === undefined ? {} : { ca: o.ca };
      const req = get(u, { timeout: o.timeoutMs, ...caOpt }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location !== undefined) {
          res.resume();
          if (redirects === 0) {
            reject(new HomeSightError('E_FLEET_DOWNLOAD', 'too many redirects'));
            return;
          }
          download(new URL(res.headers.location, u).toString(), dest, o, redirects - 1).then(resolve, reject);
          return;
        }
        if (status !== 200) {
          res.resume();
          reject(
            new HomeSightError('E_FLEET_DOWNLOAD', `bundle download failed: HTTP ${status}`, { context: { url: u.origin + u.pathname } }),
          );
          return;
        }
        const len = Number(res.headers['content-length'] ?? '0');
        if (len > o.maxBytes) {
          res.destroy();
          reject(
            new HomeSightError('E_BUNDLE_TOO_BIG', `bundle is ${len} bytes; the limit is ${o.maxBytes}`, {
              hint: 'raise fleet.download.max_mb',
            }),
          );
          return;
        }
        const hash = createHash('sha256');
        const out = createWriteStream(dest, { mode: 0o600 });
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          hash.update(c);
          if (bytes > o.maxBytes)
            res.destroy(
              new HomeSightError('E_BUNDLE_TOO_BIG', `bundle exceeds ${o.maxBytes} bytes`, { hint: 'raise fleet.download.max_mb' }),
            );
        });
        res.on('error', (err) => {
          out.destroy();
          reject(err);
        });
        res.pipe(out);
        out.on('finish', () => resolve({ bytes, sha256: hash.digest('hex') }));
        out.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new HomeSightError('E_FLEET_DOWNLOAD', `bundle download timed out after ${o.timeoutMs} ms`)));
      req.on('error', (err) =>
        reject(
          err instanceof HomeSightError
            ? err
            : new HomeSightError('E_FLEET_DOWNLOAD', `bundle download failed: ${err.message}`, {
                context: { url: u.origin + u.pathname },
                cause: err,
              }),
        ),
      );
    }).then((r: { bytes: number; sha256: string }) => {
      if (o.sha256 !== undefined && r.sha256 !== o.sha256.toLowerCase()) {
        throw new HomeSightError('E_BUNDLE_TAMPERED', `downloaded bundle has sha256 ${r.sha256}, the command said ${o.sha256}`);
      }
      return r;
    });
  } catch (err) {
    await rm(dest, { force: true });
    throw err;
  }
}
