#!/usr/bin/env node
// Entry point of the `homesight` command: registers tsx so the TypeScript
// sources run as they are (no build step on the device), then runs the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../daemon/cli.ts');
