/**
 * The generated documentation: each file's repository path and its text,
 * rendered in memory. `npm run docs` writes them (generate.ts); the docs test
 * renders them again and fails when a committed file differs.
 */
import { renderCliDoc } from './cli-doc.js';
import { renderConfigurationDoc } from './config-doc.js';
import { renderExampleConfig } from './example-yaml.js';
import { renderMqttApiDoc } from './mqtt-doc.js';
import { renderAgentToolsDoc } from './tools-doc.js';

export interface GeneratedFile {
  /** Relative to the repository root. */
  path: string;
  text: string;
}

/** The command that rewrites every generated file. */
export const REGENERATE_COMMAND = 'npm run docs';

export function renderGeneratedDocs(): GeneratedFile[] {
  return [
    { path: 'docs/configuration.md', text: renderConfigurationDoc() },
    { path: 'config/homesight.example.yaml', text: renderExampleConfig() },
    { path: 'docs/agent-tools.md', text: renderAgentToolsDoc() },
    { path: 'docs/mqtt-api.md', text: renderMqttApiDoc() },
    { path: 'docs/cli.md', text: renderCliDoc() },
  ];
}
