import { EXIT, HomeSightError, LogHub, errorMessage } from '../system/index.js';
import type { CliCommand } from './command.js';
import { daemonClient } from './daemon-client.js';

/**
 * `homesight mcp`: MCP on stdin/stdout for an assistant that starts HomeSight as a subprocess (a desktop assistant's
 * `command: homesight mcp`). Tools read the daemon's database read only; `ask` goes to the running daemon over MQTT
 * (daemon/mcp/stdio.ts says why). stdout carries only MCP messages: logs go to stderr.
 */
export const mcpCommand: CliCommand = {
  name: 'mcp',
  usage: 'mcp [--config FILE] [--url mqtt://host:port] [--verbose]',
  summary: "serve MCP on stdio (for desktop assistants): tools read the daemon's database, ask goes to the daemon over MQTT",
  options: { config: { type: 'string', short: 'c' }, url: { type: 'string' }, verbose: { type: 'boolean', short: 'v' } },
  async run(values) {
    const connection = await daemonClient(values, 'homesight mcp');
    if (typeof connection === 'number') return connection;
    const { client: daemon, config: cfg } = connection;
    const logs = new LogHub({ level: values.verbose === true ? 'info' : 'warn', pretty: 'auto', destination: process.stderr });
    const log = logs.child({ module: 'mcp' });
    const { serveStdio } = await import('../mcp/index.js');
    try {
      await serveStdio({ config: cfg, log, daemon });
      return EXIT.OK;
    } catch (err) {
      const hint = err instanceof HomeSightError && err.hint !== undefined ? ` (${err.hint})` : '';
      process.stderr.write(`homesight mcp: ${errorMessage(err)}${hint}\n`);
      return err instanceof HomeSightError && err.code === 'E_MEMORY_NO_DB' ? EXIT.NOINPUT : EXIT.FAILURE;
    } finally {
      await daemon.close();
    }
  },
};
