/**
 * docs/configuration.md: how the config is loaded, then every key of the zod
 * schema (daemon/config) with its type, constraints, default, whether SIGHUP
 * applies it live, and its `.describe()` text.
 */
import { configSchema } from '../../daemon/config/index.js';
import { cell, defaultText, flattenKeys, type JsonSchema, toJsonSchema, typeText } from './json-schema.js';
import { generatedBanner, markdownTable } from './render.js';

const INTRO = `# Configuration

One YAML file (\`homesight run --config FILE\` or \`HOMESIGHT_CONFIG\`), validated against one zod schema
(\`daemon/config/\`, one section file per module). This page and
[config/homesight.example.yaml](../config/homesight.example.yaml) are generated from that schema. Without a file the
daemon runs on the embedded default (\`EMBEDDED_DEFAULT\` in \`daemon/config/schema.ts\`): the file cameras \`demo\`
(\`vtest.avi\`) and \`entrance\` (the still photo \`obama2.jpg\`) from \`paths.media_dir\`, the household person
\`Barack\` enrolled from \`obama.jpg\`, the embedded MQTT broker on 127.0.0.1:1883, health on 127.0.0.1:8731. The
example file is that default with every key written out.

- **Check** a file without starting the daemon: \`homesight config check FILE\`; \`homesight config show [FILE]\`
  prints the effective config (defaults and environment overrides applied).
- **Environment overrides**: \`HOMESIGHT_<KEY_PATH>\` with \`__\` between levels, values parsed as YAML:
  \`HOMESIGHT_LOG__LEVEL=debug\`, \`HOMESIGHT_MQTT__EMBEDDED__PORT=1884\`. Only variables whose first segment is a
  top-level key are overrides (\`HOMESIGHT_CONFIG\`, \`HOMESIGHT_SHARED_DIR\` are not).
- **Secrets** stay out of the YAML: keys ending in \`_file\` (\`password_file\`, \`token_file\`, \`api_key_file\`, TLS
  files) name a file that holds the secret; the loader resolves it against the config file's folder and checks
  that it exists and is readable.
- **Errors**: a bad config makes the daemon refuse to start with exit code 78 (EX_CONFIG) and one line per problem:
  \`config.yaml:12:9: cameras.porch.detect.fps: Too big: expected number to be <=60; found 100 (number); allowed: <= 60\`.
- **Reload**: \`SIGHUP\` (\`systemctl reload homesight\`, or the MQTT command \`reload\`) re-reads the file. Keys
  marked *live* below apply at once; a change to any other key is reported as needing a restart. A bad file is
  rejected and the running config kept.

In the tables, \`<name>\` stands for a key you choose (a camera's name) and \`[]\` for each element of a list. A key
without a default and not marked *required* may be left out.`;

/** Top-level sections in schema order, with the keys that sit directly at the top (version, device_id) first. */
export function renderConfigurationDoc(): string {
  const root = toJsonSchema(configSchema);
  const properties = Object.entries(root.properties ?? {});
  const top = properties.filter(([, s]) => !isSection(s));
  const sections = properties.filter(([, s]) => isSection(s));
  const out = [generatedBanner('the zod schema in daemon/config'), INTRO, '', '## Top level', ''];
  out.push(table({ properties: Object.fromEntries(top), required: [] }));
  for (const [name, schema] of sections) {
    out.push('', `## \`${name}\``, '');
    if (schema.description !== undefined) out.push(`${capitalise(schema.description)}.`, '');
    out.push(table(schema, `${name}.`, schema.live === true));
  }
  return `${out.join('\n')}\n`;
}

function isSection(s: JsonSchema): boolean {
  return s.properties !== undefined || typeof s.additionalProperties === 'object';
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function table(schema: JsonSchema, prefix = '', live = false): string {
  const keys =
    schema.properties === undefined
      ? flattenKeys({ properties: { '': schema } }, prefix.slice(0, -1), live)
      : flattenKeys(schema, prefix, live);
  const rows = keys.map((k) => {
    const notes: string[] = [];
    if (k.variant !== undefined) notes.push(`*(${k.variant})*`);
    if (k.required) notes.push('*required*');
    if (k.live) notes.push('*live*');
    const path = k.path.endsWith('.') ? k.path.slice(0, -1) : k.path;
    const about = [...notes, k.schema.description ?? ''].filter((s) => s !== '').join(' ');
    return [`\`${path}\``, cell(typeText(k.schema)), cell(defaultText(k.schema)), cell(about)];
  });
  return markdownTable(['key', 'type', 'default', 'description'], rows);
}
