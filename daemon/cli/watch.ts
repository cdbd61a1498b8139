import type { Watch } from '../contracts/index.js';
import { EXIT, errorMessage, formatIsoInZone } from '../system/index.js';
import type { CliCommand } from './command.js';
import { daemonClient, replyErrorLine } from './daemon-client.js';

const options = {
  config: { type: 'string', short: 'c' },
  url: { type: 'string' },
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  spec: { type: 'string' },
  timeout: { type: 'string' },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;

/** Sends one request to the running daemon: its data, or the exit code after printing why it failed. */
async function request(
  values: Values,
  topic: 'watch/list' | 'watch/cancel' | 'watch/create' | 'agent/ask',
  body: object,
): Promise<{ data: unknown; tz: string } | number> {
  const daemon = await daemonClient(values);
  if (typeof daemon === 'number') return daemon;
  const { client, config } = daemon;
  try {
    const timeoutMs = typeof values.timeout === 'string' ? Number(values.timeout) * 1000 : 60_000;
    const env = await client.requestRaw(topic, JSON.stringify(body), { timeoutMs });
    if (env.status === 'error') {
      process.stderr.write(`homesight: ${replyErrorLine(env.error)}\n`);
      return EXIT.FAILURE;
    }
    return { data: env.data, tz: config.household.timezone };
  } catch (err) {
    process.stderr.write(`homesight: ${errorMessage(err)}\n`);
    return EXIT.FAILURE;
  } finally {
    await client.close();
  }
}

function line(w: Watch, tz: string): string {
  const until = formatIsoInZone(w.expires_at, tz).slice(0, 16).replace('T', ' ');
  const fired = w.fired > 0 ? `, fired ${w.fired}×` : '';
  return `${w.id}  ${w.status.padEnd(9)} until ${until}${fired}  ${w.description}`;
}

export const watchListCommand: CliCommand = {
  name: 'watch list',
  usage: 'watch list [--all] [--json] [--config FILE] [--url mqtt://host:port]',
  summary: "the running daemon's standing watches (watch/list); --all includes finished ones",
  options,
  async run(values) {
    const r = await request(values, 'watch/list', { all: values.all === true });
    if (typeof r === 'number') return r;
    const watches = (r.data as { watches: Watch[] }).watches;
    if (values.json === true) process.stdout.write(`${JSON.stringify(watches, null, 2)}\n`);
    else if (watches.length === 0) process.stdout.write('no standing watches\n');
    else for (const w of watches) process.stdout.write(`${line(w, r.tz)}\n`);
    return EXIT.OK;
  },
};

export const watchCancelCommand: CliCommand = {
  name: 'watch cancel',
  usage: 'watch cancel ID [--config FILE] [--url mqtt://host:port]',
  summary: 'cancel a standing watch (watch/cancel)',
  options,
  async run(values, positionals) {
    const id = positionals[0];
    if (id === undefined || positionals.length !== 1) {
      process.stderr.write('usage: homesight watch cancel ID\n');
      return EXIT.USAGE;
    }
    const r = await request(values, 'watch/cancel', { watch_id: id });
    if (typeof r === 'number') return r;
    const cancelled = (r.data as { cancelled: boolean }).cancelled;
    process.stdout.write(cancelled ? `cancelled ${id}\n` : `no active watch ${id}\n`);
    return cancelled ? EXIT.OK : EXIT.FAILURE;
  },
};

export const watchAddCommand: CliCommand = {
  name: 'watch add',
  usage: 'watch add "tell me when …" | --spec JSON [--config FILE] [--url mqtt://host:port]',
  summary: 'add a standing watch: in words through the agent (agent/ask), or a spec (watch/create)',
  options,
  async run(values, positionals) {
    const words = positionals.join(' ').trim();
    if ((words === '') === (typeof values.spec !== 'string')) {
      process.stderr.write('usage: homesight watch add "let me know if …" | --spec \'{"trigger": {…}}\'\n');
      return EXIT.USAGE;
    }
    if (typeof values.spec === 'string') {
      let spec: unknown;
      try {
        spec = JSON.parse(values.spec);
      } catch (err) {
        process.stderr.write(`homesight: --spec is not JSON: ${errorMessage(err)}\n`);
        return EXIT.USAGE;
      }
      const r = await request(values, 'watch/create', { spec });
      if (typeof r === 'number') return r;
      process.stdout.write(`${line(r.data as Watch, r.tz)}\n`);
      return EXIT.OK;
    }
    const r = await request(values, 'agent/ask', { question: words });
    if (typeof r === 'number') return r;
    const d = r.data as { answer: string; notes?: string[] };
    process.stdout.write(`${d.answer}\n`);
    return d.notes?.some((n) => n.startsWith('created watch')) === true ? EXIT.OK : EXIT.FAILURE;
  },
};

export const watchCommands: CliCommand[] = [watchListCommand, watchCancelCommand, watchAddCommand];
