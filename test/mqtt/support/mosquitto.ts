import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './mqtt.js';

export interface Pki {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** A second, unrelated CA (for "wrong CA is refused"). */
  otherCaFile: string;
  /** A client certificate signed by the CA. */
  clientCertFile: string;
  clientKeyFile: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A test CA, a server certificate for localhost/127.0.0.1 and a client certificate, made with the openssl CLI. */
export function makePki(dir: string): Pki {
  mkdirSync(dir, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=homesight-test-ca'], dir);
  openssl(['req', '-x509', ...ec, '-keyout', 'other-ca.key', '-out', 'other-ca.crt', '-days', '2', '-subj', '/CN=someone-else'], dir);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '2',
      '-extfile',
      'server.ext',
    ],
    dir,
  );
  openssl(['req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=homesight'], dir);
  openssl(
    ['x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2'],
    dir,
  );
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    certFile: join(dir, 'server.crt'),
    keyFile: join(dir, 'server.key'),
    otherCaFile: join(dir, 'other-ca.crt'),
    clientCertFile: join(dir, 'client.crt'),
    clientKeyFile: join(dir, 'client.key'),
  };
}

export interface MosquittoOptions {
  dir: string;
  /** TLS listener with these certificates (else plain TCP). */
  pki?: Pki;
  /** username → password, written with mosquitto_passwd; anonymous access is refused when set. */
  users?: Record<string, string>;
  /** Require a client certificate signed by the CA. */
  requireCertificate?: boolean;
}

/** A real mosquitto (Debian package) on a free loopback port, with a generated config and persistence. */
export class Mosquitto {
  private proc: ChildProcess | null = null;
  log = '';

  private constructor(
    readonly port: number,
    private readonly confFile: string,
    readonly tls: boolean,
  ) {}

  static async start(opts: MosquittoOptions): Promise<Mosquitto> {
    mkdirSync(opts.dir, { recursive: true });
    const port = await freePort();
    const lines = [
      `user ${userInfo().username}`,
      'per_listener_settings false',
      `persistence true`,
      `persistence_location ${opts.dir}/`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
    ];
    if (opts.users !== undefined) {
      const pw = join(opts.dir, 'passwd');
      writeFileSync(pw, '');
      for (const [u, p] of Object.entries(opts.users)) execFileSync('mosquitto_passwd', ['-b', pw, u, p]);
      lines.push('allow_anonymous false', `password_file ${pw}`);
    } else {
      lines.push('allow_anonymous true');
    }
    lines.push(`listener ${port} 127.0.0.1`);
    if (opts.pki !== undefined) {
      lines.push(`cafile ${opts.pki.caFile}`, `certfile ${opts.pki.certFile}`, `keyfile ${opts.pki.keyFile}`);
      if (opts.requireCertificate === true) lines.push('require_certificate true');
    }
    const conf = join(opts.dir, 'mosquitto.conf');
    writeFileSync(conf, lines.join('\n') + '\n');
    const m = new Mosquitto(port, conf, opts.pki !== undefined);
    await m.run();
    return m;
  }

  get url(): string {
    return `${this.tls ? 'mqtts' : 'mqtt'}://localhost:${this.port}`;
  }

  private async run(): Promise<void> {
    const proc = spawn('mosquitto', ['-c', this.confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr!.on('data', (d: Buffer) => {
      this.log += d.toString('utf8');
    });
    this.proc = proc;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`mosquitto exited with ${proc.exitCode}:\n${this.log}`);
      const up = await new Promise<boolean>((resolve) => {
        const s = connect(this.port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      if (up) return;
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${this.port}:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM (mosquitto saves its persistence file) and wait for exit. */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (p === null || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }

  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.run();
  }
}
