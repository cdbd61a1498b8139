import { resolveTimePhrase } from '../agent/index.js';
import type { HomeSightConfig } from '../config/index.js';
import type { ModuleContext } from '../context.js';
import { type MemoryStore, memoryStoreGetter } from '../memory/index.js';
import { findMqttBridge, type MqttBridge, type RouteRequest } from '../mqtt/index.js';
import { findPresence, type PresenceService } from '../presence/index.js';
import { type Clock, formatIsoInZone, HomeSightError, type Logger, type ModuleHealth, type ServiceModule } from '../system/index.js';
import { DailyDigest } from './digest.js';
import { buildRecap, type Recap, type RecapSpan } from './recap.js';

/** Arguments of a recap (the recap/get route's, the MCP tool's): exactly one of when, from(/to) or away_of. */
export type RecapRequest = RouteRequest<'recap/get'>;

/** What other modules (MCP) ask for: a recap of a span named by a request. */
export interface RecapService {
  /** Resolves the request's span (a time phrase, from/to, or the asker's latest absence) and recaps it. */
  recap(request: RecapRequest): Recap;
}

export interface RecapsDeps {
  config: HomeSightConfig;
  log: Logger;
  clock: Clock;
  dependsOn?: readonly string[];
  store: () => MemoryStore | null;
  bridge: () => MqttBridge | null;
  presence: () => PresenceService | null;
}

/**
 * The `recaps` module: "what happened today / last night / while I was away" from the stored timeline (who,
 * where, doing what, unknown visitors, falls, with evidence snapshots), served on recap/get and to MCP, and the
 * daily digest on recap/digest (retained, with a Home Assistant sensor whose attributes carry the text).
 */
export class RecapsModule implements ServiceModule<HomeSightConfig>, RecapService {
  readonly name = 'recaps';
  readonly essential = false;
  readonly dependsOn: readonly string[];
  private readonly config: HomeSightConfig;
  private digest: DailyDigest | null = null;
  private unserve: (() => void) | null = null;
  private served = { ok: 0, error: 0 };

  constructor(private readonly deps: RecapsDeps) {
    this.config = deps.config;
    this.dependsOn = deps.dependsOn ?? [];
    const bridge = deps.bridge();
    // Declared before start, like every entity (discovery may announce first).
    if (bridge !== null && this.config.recaps.digest.enabled) {
      bridge.declareEntities(this, () => [
        {
          component: 'sensor',
          objectId: 'recap_digest',
          payload: {
            name: 'Daily digest',
            icon: 'mdi:text-box-outline',
            device_class: 'timestamp',
            state_topic: bridge.topic('recap/digest'),
            value_template: '{{ value_json.span.to }}',
            json_attributes_topic: bridge.topic('recap/digest'),
            json_attributes_template:
              '{{ {"text": value_json.text, "from": value_json.span.from, "people": value_json.people | map(attribute="name") | list, ' +
              '"unknown_visitors": value_json.unknown_visitors | length, "falls": value_json.falls | length} | tojson }}',
            qos: 1,
          },
        },
      ]);
    }
  }

  async start(): Promise<void> {
    const bridge = this.deps.bridge();
    if (bridge !== null) {
      this.unserve = bridge.serve('recap/get', (args) => this.recap(args), {
        onOutcome: (o) => {
          this.served[o.status]++;
        },
      });
    }
    const d = this.config.recaps.digest;
    if (d.enabled) {
      this.digest = new DailyDigest({
        clock: this.deps.clock,
        log: this.deps.log,
        at: d.at,
        timezone: this.config.household.timezone,
        publish: (span) => this.publishDigest(span),
      });
      this.digest.start();
    }
    const next = this.digest === null ? null : formatIsoInZone(this.digest.nextAt, this.config.household.timezone, { ms: false });
    this.deps.log.info({ digest_next: next, served: bridge !== null }, 'recaps started');
  }

  async stop(): Promise<void> {
    this.unserve?.();
    this.unserve = null;
    await this.digest?.stop();
  }

  health(): ModuleHealth {
    const d = this.digest;
    const tz = this.config.household.timezone;
    const next = d === null ? 'no daily digest' : `next digest ${formatIsoInZone(d.nextAt, tz, { ms: false })}`;
    const failing = d?.lastError ?? null;
    return {
      status: failing === null ? 'ok' : 'degraded',
      summary: failing === null ? next : `daily digest failing: ${failing}; ${next}`,
      details: { recaps_served: this.served.ok, recap_errors: this.served.error, digests: d?.published ?? 0 },
    };
  }

  /** The daily digest's scheduler (tests drive it with check()); null when the digest is off or before start. */
  get dailyDigest(): DailyDigest | null {
    return this.digest;
  }

  recap(request: RecapRequest): Recap {
    const span = this.resolve(request);
    return this.recapSpan(span, request.max_evidence);
  }

  /** The recap of a span. */
  recapSpan(span: RecapSpan, maxEvidence?: number): Recap {
    const store = this.deps.store();
    if (store === null) {
      throw new HomeSightError('E_RECAP_UNAVAILABLE', 'the event store is not open', { hint: 'check the memory module on /healthz' });
    }
    return buildRecap(store.events, span, {
      timezone: this.config.household.timezone,
      roomOf: (camera) => this.config.cameras[camera]?.room ?? camera,
      maxEvidence: maxEvidence ?? this.config.recaps.evidence_per_person,
      now: this.deps.clock.now(),
    });
  }

  /** The span a request names. "While I was away" is the asker's latest absence from presence; a span has begun. */
  resolve(r: RecapRequest): RecapSpan {
    const now = this.deps.clock.now();
    const tz = this.config.household.timezone;
    if (r.when !== undefined) {
      const range = resolveTimePhrase(r.when, now, tz, { routines: this.config.household.routines });
      return { from: range.startMs, to: Math.min(range.endMs, now), label: r.when };
    }
    if (r.from !== undefined) {
      const from = Date.parse(r.from);
      const to = r.to === undefined ? now : Math.min(Date.parse(r.to), now);
      if (!(from < to)) {
        throw new HomeSightError('E_RECAP_SPAN', `the span ${r.from} – ${r.to ?? 'now'} is empty or has not begun`, {
          context: { from: r.from, to: r.to },
          hint: 'give a `from` before `to` and before now',
        });
      }
      return { from, to, label: 'recap' };
    }
    const name = r.away_of!;
    const presence = this.deps.presence();
    if (presence === null) {
      throw new HomeSightError('E_RECAP_UNAVAILABLE', '"while I was away" needs the presence module, which is off', {
        hint: 'enable presence, or ask with `when` ("today", "since 6pm") or `from`',
      });
    }
    const who = presence.people().find((p) => p.toLowerCase() === name.toLowerCase());
    if (who === undefined) {
      throw new HomeSightError('E_RECAP_PERSON', `"${name}" is not one of the household's people`, {
        context: { people: presence.people() },
        hint: `one of: ${presence.people().join(', ') || 'none enrolled'}; or ask with \`when\` or \`from\``,
      });
    }
    const away = presence.absenceOf(who);
    if (away === null) {
      throw new HomeSightError('E_RECAP_SPAN', `${who} has not been away in the last 7 days (or was never seen)`, {
        context: { person: who, away_after_min: this.config.presence.away_after_min },
        hint: 'say which span: `when` ("today", "since 6pm") or `from`/`to`',
      });
    }
    return { from: away.from, to: away.to, label: away.ongoing ? `since ${who} left` : `while ${who} was away` };
  }

  private async publishDigest(span: RecapSpan): Promise<void> {
    const recap = this.recapSpan(span);
    const bridge = this.deps.bridge();
    if (bridge === null) {
      this.deps.log.info({ text: recap.text }, 'daily digest (no MQTT to publish it on)');
      return;
    }
    await bridge.publish('recap/digest', recap, { qos: 1, retain: true });
    this.deps.log.info({ from: recap.span.from, to: recap.span.to }, 'daily digest published');
  }
}

/** The daemon's factory (recaps/definition.ts loads this file when the module is enabled). */
export function createRecapsModule(ctx: ModuleContext): RecapsModule {
  return new RecapsModule({
    config: ctx.config,
    log: ctx.log,
    clock: ctx.clock,
    dependsOn: ctx.dependsOn,
    store: memoryStoreGetter(ctx.container),
    bridge: () => findMqttBridge(ctx.container),
    presence: () => findPresence(ctx.container),
  });
}
