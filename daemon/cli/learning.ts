import { readFile, writeFile } from 'node:fs/promises';
import { EXIT, HomeSightError } from '../system/index.js';
import type { CliCommand } from './command.js';
import { loadCliConfig } from './common.js';

const audit: CliCommand = {
  name: 'learning audit',
  usage: 'learning audit [--config FILE] [--limit N] [--json]',
  summary: 'show what left the device for the cloud teacher (upload audit log)',
  options: { config: { type: 'string', short: 'c' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  async run(values) {
    const loaded = loadCliConfig(values['config']);
    if (typeof loaded === 'number') return loaded;
    const c = loaded.config;
    const limit = typeof values['limit'] === 'string' ? Math.max(1, Number.parseInt(values['limit'], 10) || 20) : 20;
    // learning/ is imported by its commands only, so `homesight run` without learning.enabled never loads it.
    const { AuditLog, auditFile } = await import('../learning/index.js');
    const entries = await new AuditLog(auditFile(c)).read(limit);
    if (values['json'] === true) {
      process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
      return EXIT.OK;
    }
    if (entries.length === 0) process.stdout.write(`no uploads yet (${auditFile(c)})\n`);
    for (const e of entries) {
      const extra = e.kind === 'upload' ? ` ${e.bytes} bytes sha256 ${e.sha256?.slice(0, 16)} fields ${e.fields?.join(',')}` : '';
      process.stdout.write(`${e.at} ${e.kind} ${e.ids.length} id(s)${extra}${e.note !== undefined ? ` — ${e.note}` : ''}\n`);
      if (e.kind === 'upload') for (const p of e.payloads ?? []) process.stdout.write(`    ${JSON.stringify(p)}\n`);
    }
    return EXIT.OK;
  },
};

const enroll: CliCommand = {
  name: 'learning enroll',
  usage: 'learning enroll --secret-file FILE [--config FILE] [--device ID]',
  summary: "enroll this device with the cloud teacher (learning.teacher.url) and write the token to learning.teacher.token_file's path",
  options: {
    config: { type: 'string', short: 'c' },
    'secret-file': { type: 'string' },
    device: { type: 'string' },
    out: { type: 'string' },
  },
  async run(values) {
    const loaded = loadCliConfig(values['config']);
    if (typeof loaded === 'number') return loaded;
    const c = loaded.config;
    const url = c.learning.teacher.url;
    const out = typeof values['out'] === 'string' ? values['out'] : c.learning.teacher.token_file;
    if (url === undefined || out === undefined || typeof values['secret-file'] !== 'string') {
      process.stderr.write(
        'homesight learning enroll: needs learning.teacher.url, --secret-file and --out (or learning.teacher.token_file)\n',
      );
      return EXIT.CONFIG;
    }
    try {
      const secret = (await readFile(values['secret-file'], 'utf8')).trim();
      const device = typeof values['device'] === 'string' ? values['device'] : c.device_id;
      const { HttpTeacherClient } = await import('../learning/index.js');
      const token = await HttpTeacherClient.enroll(url, { device_id: device, household: c.household.id, enrollment_secret: secret });
      await writeFile(out, token + '\n', { mode: 0o600 });
      process.stdout.write(`enrolled ${device} (household ${c.household.id}); token written to ${out}\n`);
      return EXIT.OK;
    } catch (err) {
      if (err instanceof HomeSightError) {
        process.stderr.write(`homesight learning enroll: ${err.message}${err.hint === undefined ? '' : `\n  hint: ${err.hint}`}\n`);
        return EXIT.FAILURE;
      }
      throw err;
    }
  },
};

export const learningCommands: CliCommand[] = [audit, enroll];
