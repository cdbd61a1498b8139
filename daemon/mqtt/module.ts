import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { Counter, Gauge } from 'prom-client';
import { readSecret, type HomeSightConfig } from '../config/index.js';
import type { ModuleContext } from '../context.js';
import type { HomeSightEvents } from '../contracts/index.js';
import { IngestModule } from '../ingest/index.js';
import { HomeSightError, type ModuleHealth, type ServiceModule } from '../system/index.js';
import { EmbeddedBroker } from './broker.js';
import { MqttCore, type CoreHooks } from './core.js';
import {
  BuiltinCommandsExtension,
  CamerasExtension,
  DiscoveryExtension,
  EventsExtension,
  StatusExtension,
  type Extension,
  type ExtensionDeps,
} from './extensions.js';
import { Outbox } from './outbox.js';
import type { MqttBridge } from './types.js';

export interface MqttModuleOptions {
  /** How `reload` reaches the daemon; default: SIGHUP to this process when it handles SIGHUP. */
  reload?: ExtensionDeps['reload'];
  /** Wait this long at start for the first connection (never fails the start). */
  connectWaitMs?: number;
}

function readFile(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new HomeSightError('E_SECRET_READ', `cannot read ${key}`, {
      context: { key, path },
      hint: 'check the file exists and the homesight user can read it',
      cause: err,
    });
  }
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/**
 * The `mqtt` module: the embedded broker (when configured), the core and its
 * extensions (availability, status, info, events, camera state, snapshots,
 * learning audit, Home Assistant discovery, built-in commands). Other modules
 * reach the core through `.bridge` (findMqttBridge(ctx.container)).
 */
export class MqttModule implements ServiceModule {
  readonly name = 'mqtt';
  readonly essential = false;
  readonly dependsOn: readonly string[];
  private readonly core: MqttCore;
  private readonly outbox: Outbox;
  private broker: EmbeddedBroker | null = null;
  private readonly extensions: Extension[];
  private readonly config: HomeSightConfig;
  readonly discovery: DiscoveryExtension;
  readonly cameras: CamerasExtension;
  readonly events: EventsExtension;

  constructor(
    private readonly ctx: ModuleContext,
    private readonly options: MqttModuleOptions = {},
  ) {
    this.config = ctx.config;
    const m = ctx.config.mqtt;
    this.dependsOn = ctx.dependsOn;
    const dataDir = isAbsolute(ctx.config.paths.data_dir) ? ctx.config.paths.data_dir : resolve(ctx.config.paths.data_dir);
    this.outbox = new Outbox(join(dataDir, 'mqtt.db'), m.buffer_max);
    const base = `${m.base_topic}/${ctx.config.device_id}`;
    const embedded = m.broker === 'embedded';
    let username = m.username;
    let password = m.password_file === undefined ? undefined : readSecret(m.password_file, 'mqtt.password_file');
    const tlsOpts =
      m.tls === undefined || embedded
        ? undefined
        : {
            ...(m.tls.ca_file === undefined ? {} : { ca: readFile(m.tls.ca_file, 'mqtt.tls.ca_file') }),
            ...(m.tls.cert_file === undefined ? {} : { cert: readFile(m.tls.cert_file, 'mqtt.tls.cert_file') }),
            ...(m.tls.key_file === undefined ? {} : { key: readFile(m.tls.key_file, 'mqtt.tls.key_file') }),
            rejectUnauthorized: m.tls.reject_unauthorized,
          };
    if (embedded) {
      this.broker = new EmbeddedBroker({
        host: m.embedded.host,
        port: m.embedded.port,
        requireAuth: m.embedded.require_auth,
        ...(m.embedded.password_file === undefined ? {} : { passwordFile: m.embedded.password_file }),
        log: ctx.logs.child({ module: 'mqtt', component: 'broker' }),
      });
      if (m.embedded.require_auth) {
        username = this.broker.internal.username;
        password = this.broker.internal.password;
      }
    }
    this.core = new MqttCore({
      url: embedded ? `mqtt://${connectHost(m.embedded.host)}:${m.embedded.port}` : m.url!,
      baseTopic: base,
      clientId: m.client_id ?? `homesight_${ctx.config.device_id}`,
      protocolVersion: embedded ? 4 : m.protocol_version,
      allowFallback: !embedded && m.protocol_version === 5,
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
      ...(tlsOpts === undefined ? {} : { tls: tlsOpts }),
      keepaliveS: m.keepalive_s,
      reconnect: { minMs: m.reconnect.min_ms, maxMs: m.reconnect.max_ms },
      maxRequestBytes: m.max_request_bytes,
      discoveryPrefix: m.discovery.prefix,
      outbox: this.outbox,
      log: ctx.log,
      clock: ctx.clock,
      hooks: this.metrics(),
    });
    const deps: ExtensionDeps = {
      core: this.core,
      bus: ctx.bus,
      config: ctx.config,
      log: ctx.log,
      clock: ctx.clock,
      store: this.outbox,
      reload: options.reload ?? (() => this.sighupReload()),
      cameras: () => {
        const ingest = ctx.container.find('ingest', IngestModule);
        if (ingest === undefined) return null;
        return { restartCamera: (c) => ingest.restartCamera(c), cameras: () => ingest.cameras() };
      },
    };
    this.discovery = new DiscoveryExtension(deps);
    this.cameras = new CamerasExtension(deps);
    this.events = new EventsExtension(deps);
    this.extensions = [new StatusExtension(deps), this.events, this.cameras, new BuiltinCommandsExtension(deps)];
    if (m.discovery.enabled) this.extensions.push(this.discovery);
  }

  /** The MQTT core other modules publish through and register commands on. */
  get bridge(): MqttBridge {
    return this.core;
  }

  /** The embedded broker's port (null with an external broker). */
  get brokerPort(): number | null {
    return this.broker?.port ?? null;
  }

  private metrics(): CoreHooks {
    const reg = this.ctx.metrics;
    const published = new Counter({
      name: 'homesight_mqtt_messages_total',
      help: 'MQTT messages by outcome (sent, buffered on disk, dropped)',
      labelNames: ['outcome'],
      registers: [reg],
    });
    const connected = new Gauge({ name: 'homesight_mqtt_connected', help: '1 while connected to the broker', registers: [reg] });
    const reconnects = new Counter({ name: 'homesight_mqtt_connects_total', help: 'successful broker connections', registers: [reg] });
    const requests = new Counter({
      name: 'homesight_mqtt_requests_total',
      help: 'MQTT commands and requests by name and status',
      labelNames: ['name', 'status'],
      registers: [reg],
    });
    const outbox = this.outbox;
    new Gauge({
      name: 'homesight_mqtt_outbox',
      help: 'QoS 1 messages in the on-disk outbox (not yet acknowledged)',
      registers: [reg],
      collect() {
        this.set(outbox.size);
      },
    });
    return {
      published: (kind) => published.inc({ outcome: kind }),
      connected: (up) => {
        connected.set(up ? 1 : 0);
        if (up) reconnects.inc();
      },
      // Unknown command names come from the network: keep the label set bounded.
      request: (name, status) => requests.inc({ name: name.length <= 64 && /^[a-z0-9_/]+$/.test(name) ? name : 'other', status }),
    };
  }

  /** Reload through the daemon's SIGHUP handler (the same path as `systemctl reload`). */
  private sighupReload(): Promise<HomeSightEvents['system.reload'] | null> {
    if (process.listenerCount('SIGHUP') === 0) return Promise.resolve(null);
    return new Promise((resolveReload) => {
      const owner = {};
      const timer = setTimeout(() => {
        this.ctx.bus.removeListeners(owner);
        resolveReload({ ok: false, applied: [], needsRestart: [], problems: ['reload did not finish within 30 s'] });
      }, 30_000);
      this.ctx.bus.on('system.reload', owner, (out) => {
        clearTimeout(timer);
        this.ctx.bus.removeListeners(owner);
        resolveReload(out);
      });
      process.kill(process.pid, 'SIGHUP');
    });
  }

  async start(): Promise<void> {
    if (this.broker !== null) {
      const addr = await this.broker.start();
      if (this.config.mqtt.embedded.port === 0) this.core.setUrl(`mqtt://${connectHost(this.config.mqtt.embedded.host)}:${addr.port}`);
    }
    this.outbox.open();
    for (const e of this.extensions) await e.start();
    this.core.start();
    const ok = await this.core.waitConnected(this.options.connectWaitMs ?? 3_000);
    if (!ok)
      this.ctx.log.warn(
        { url: redact(this.core.url), err: this.core.lastError },
        'MQTT broker not reachable yet; retrying in the background (events are buffered on disk)',
      );
  }

  async stop(): Promise<void> {
    for (const e of [...this.extensions].reverse()) await e.stop();
    await this.core.stop();
    await this.broker?.stop();
    this.outbox.close();
  }

  health(): ModuleHealth {
    const c = this.core;
    const details: Record<string, unknown> = {
      url: redact(c.url),
      protocol: c.protocolVersion === null ? null : c.protocolVersion === 5 ? 'mqtt5' : 'mqtt3.1.1',
      buffered: c.buffered,
      dropped: c.dropped,
      connects: c.connects,
      commands: c.commands().map((x) => x.name),
    };
    if (this.broker !== null) details.broker = { port: this.broker.port, clients: this.broker.clients, refused: this.broker.refused };
    if (c.connected)
      return { status: 'ok', summary: `connected to ${redact(c.url)}${c.buffered > 0 ? `, ${c.buffered} events to send` : ''}`, details };
    const since = c.disconnectedSince === null ? '' : ` since ${new Date(c.disconnectedSince).toISOString()}`;
    return {
      status: 'degraded',
      summary: `broker unreachable${since}${c.lastError === null ? '' : ` (${c.lastError})`}; ${c.buffered} events buffered on disk`,
      details,
    };
  }
}

function connectHost(bind: string): string {
  if (bind === '0.0.0.0' || bind === '') return '127.0.0.1';
  if (bind === '::') return '::1';
  return bind.includes(':') ? `[${bind}]` : bind;
}

/** The daemon's factory (mqtt/definition.ts loads this file when the module is enabled). */
export function createMqttModule(ctx: ModuleContext): MqttModule {
  return new MqttModule(ctx);
}
