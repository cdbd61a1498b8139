import { adapterCommands } from './adapter.js';
import { learningCommands } from './learning.js';
import { agentCommands } from './agent.js';
import { configCommands } from './config.js';
import { dbCommands } from './db.js';
import { fleetCommands } from './fleet.js';
import { enrollCommand } from './enroll.js';
import { mcpCommand } from './mcp.js';
import { runCommand, versionCommand } from './run.js';
import { watchCommands } from './watch.js';
import type { CliCommand } from './command.js';

export type { CliCommand } from './command.js';

/** The daemon's subcommands (bench/cli adds `bench` and `dataset`). Later capabilities add theirs here. */

export const COMMANDS: CliCommand[] = [
  runCommand,
  versionCommand,
  ...configCommands,
  ...dbCommands,
  enrollCommand,
  ...adapterCommands,
  ...learningCommands,
  ...agentCommands,
  ...fleetCommands,
  mcpCommand,
  ...watchCommands,
];
