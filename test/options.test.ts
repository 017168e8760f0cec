import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_OPTIONS,
  OPTION_SPECS,
  OptionsError,
  databasePath,
  defaultText,
  optionsFromText,
  resolveOptions,
  type ServerOptions,
} from '../src/config/options.js';
import { parseSize } from '../src/config/parse-value.js';
import { parseDuration } from '../src/model/duration.js';

describe('options', () => {
  it('defaults to port 8000 and a SQLite file under ./data', () => {
    const options = resolveOptions();
    expect(options.port).toBe(8000);
    expect(databasePath(options)).toMatch(/\/data\/jobs\.db$/);
    expect(databasePath(resolveOptions({ dataDir: '/srv/x' }))).toBe('/srv/x/jobs.db');
    expect(databasePath(resolveOptions({ db: ':memory:' }))).toBe(':memory:');
  });

  it('reads environment variables, and flags win over them', () => {
    const env = { PORT: '9000', HOST: '0.0.0.0', RETENTION: '2h', BODY_LIMIT: '1mb' };
    const fromEnv = optionsFromText({}, env);
    expect(fromEnv).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      retention: 7_200_000,
      bodyLimit: 1_048_576,
    });
    expect(optionsFromText({ port: '9100' }, env).port).toBe(9100);
  });

  it.each<[Partial<Record<keyof ServerOptions, string>>, RegExp]>([
    [{ port: 'eighty' }, /^--port: "eighty" is not a whole number$/],
    [{ port: '70000' }, /^--port \(PORT\) must be at most 65535, got 70000$/],
    [{ concurrency: '0' }, /^--concurrency \(CONCURRENCY\) must be at least 1/],
    [{ recovery: 'retry' }, /^--recovery \(RECOVERY\) must be one of: requeue, fail$/],
    [{ retention: 'soon' }, /^--retention: "soon" is not a duration/],
    [{ headersTimeout: '40s' }, /--headers-timeout .* must not exceed --request-timeout/],
  ])('rejects %j with a message naming the option', (flags, message) => {
    expect(() => optionsFromText(flags, {})).toThrowError(OptionsError);
    expect(() => optionsFromText(flags, {})).toThrowError(message);
  });

  it('names the environment variable when the bad value came from it', () => {
    expect(() => optionsFromText({}, { SQLITE_SYNCHRONOUS: 'off' })).toThrowError(
      /--sqlite-synchronous \(SQLITE_SYNCHRONOUS\) must be one of: normal, full/,
    );
    expect(() => optionsFromText({}, { PORT: 'x' })).toThrowError(/^PORT: "x"/);
  });

  it('parses durations and sizes with units', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('42')).toBe(42);
    expect(parseDuration('10 parsecs')).toBeUndefined();
    expect(parseSize('64kb')).toBe(65_536);
    expect(parseSize('2MB')).toBe(2_097_152);
  });

  it('shows defaults the way people write them', () => {
    expect(defaultText('retention')).toBe('1d');
    expect(defaultText('bodyLimit')).toBe('64kb');
    expect(defaultText('db')).toBe('<data-dir>/jobs.db');
    expect(defaultText('port')).toBe(String(DEFAULT_OPTIONS.port));
  });

  it('every option is documented in the README with its flag, variable and default', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const key of Object.keys(OPTION_SPECS) as (keyof ServerOptions)[]) {
      const spec = OPTION_SPECS[key];
      const row = readme
        .split('\n')
        .find((line) => new RegExp(`^\\|\\s*\`${spec.flag}\`\\s*\\|`).test(line));
      expect(row, `README row for ${spec.flag}`).toBeDefined();
      expect(row).toContain(`\`${spec.env}\``);
      expect(row).toContain(`\`${defaultText(key)}\``);
    }
  });
});
