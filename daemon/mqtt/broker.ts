import { Aedes, type AuthenticateError } from 'aedes';
import { createServer, type Server, type Socket, type AddressInfo } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { HomeSightError, errorMessage, type Logger } from '../system/index.js';
import { loadPasswordFile, verifyPassword, type PasswordEntry } from './passwd.js';

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  requireAuth: boolean;
  /** mosquitto_passwd file with the users allowed in. */
  passwordFile?: string;
  log: Logger;
}

/**
 * The default broker: aedes in this process (MQTT 3.1.1 only), bound to
 * loopback. With auth on it accepts the users of a mosquitto password file
 * plus one ephemeral credential for the daemon's own client.
 */
export class EmbeddedBroker {
  private aedes: Aedes | null = null;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private users = new Map<string, PasswordEntry>();
  /** The daemon's own credential (random per start); used only with requireAuth. */
  readonly internal = { username: `homesight-internal-${randomBytes(4).toString('hex')}`, password: randomBytes(24).toString('base64url') };
  private address: AddressInfo | null = null;
  refused = 0;

  constructor(private readonly options: EmbeddedBrokerOptions) {}

  get port(): number | null {
    return this.address?.port ?? null;
  }

  get clients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  async start(): Promise<AddressInfo> {
    if (this.options.passwordFile !== undefined) this.users = loadPasswordFile(this.options.passwordFile);
    const log = this.options.log;
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        if (!this.options.requireAuth) {
          done(null, true);
          return;
        }
        const ok = this.check(username, password);
        if (!ok) {
          this.refused++;
          log.warn({ client: client?.id, username }, 'embedded broker refused a client (bad username or password)');
          const err = new Error('bad username or password') as AuthenticateError;
          err.returnCode = 4;
          done(err, false);
          return;
        }
        done(null, true);
      },
    });
    aedes.on('clientError', (client, err) => log.debug({ client: client?.id, err: err.message }, 'embedded broker client error'));
    aedes.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'embedded broker connection error'));
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      aedes.handle(socket);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.options.port, this.options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      aedes.close();
      const code = (err as NodeJS.ErrnoException).code;
      throw new HomeSightError(
        'E_MQTT_BROKER_LISTEN',
        `embedded MQTT broker cannot listen on ${this.options.host}:${this.options.port} (${code ?? errorMessage(err)})`,
        {
          context: { host: this.options.host, port: this.options.port, code },
          hint:
            code === 'EADDRINUSE'
              ? 'another broker (mosquitto?) uses the port: set mqtt.broker: external with its url, or change mqtt.embedded.port'
              : 'check mqtt.embedded.host',
          cause: err,
        },
      );
    }
    server.on('error', (err) => log.error({ err: err.message }, 'embedded broker server error'));
    this.aedes = aedes;
    this.server = server;
    this.address = server.address() as AddressInfo;
    log.info(
      { host: this.address.address, port: this.address.port, auth: this.options.requireAuth, users: this.users.size },
      'embedded MQTT broker listening (MQTT 3.1.1)',
    );
    return this.address;
  }

  private check(username: string | undefined, password: Buffer | undefined): boolean {
    if (username === undefined || password === undefined) return false;
    if (username === this.internal.username) {
      const want = Buffer.from(this.internal.password);
      return password.length === want.length && timingSafeEqual(password, want);
    }
    const entry = this.users.get(username);
    return entry !== undefined && verifyPassword(entry, password);
  }

  async stop(): Promise<void> {
    const aedes = this.aedes;
    const server = this.server;
    this.aedes = null;
    this.server = null;
    if (server !== null) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of this.sockets) s.destroy();
      await closed;
    }
    if (aedes !== null) await new Promise<void>((resolve) => aedes.close(() => resolve()));
  }
}
