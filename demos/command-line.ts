/**
 * The command line of every chapter script (launchers and clients): `--help` prints the usage,
 * a mistake — an unknown option, a missing value, `--interval abc` — prints one line that
 * names it and exits 2, the same as the `backend-patterns` command. Built on node:util's
 * parseArgs, whose own errors would otherwise reach the learner as a stack trace.
 */
import { parseArgs } from 'node:util';

export type OptionSpec =
  | { kind: 'integer'; default: number; min: number; max: number; help: string }
  | { kind: 'text'; default: string; help: string }
  /** An absolute URL with one of these protocols, e.g. `http:`. */
  | { kind: 'url'; default: string; protocols: readonly string[]; help: string }
  /** One of a few words. */
  | { kind: 'choice'; default: string; choices: readonly string[]; help: string }
  /** Text that may be left out (no default). */
  | { kind: 'optional'; help: string }
  | { kind: 'flag'; help: string };

export type Specs = Readonly<Record<string, OptionSpec>>;

export type Values<S extends Specs> = {
  [K in keyof S]: S[K] extends { kind: 'integer' }
    ? number
    : S[K] extends { kind: 'flag' }
      ? boolean
      : S[K] extends { kind: 'optional' }
        ? string | undefined
        : string;
};

export interface Program<S extends Specs> {
  /** How it is run, e.g. `npx tsx demos/short-polling/client.ts`. */
  command: string;
  summary: string;
  options: S;
}

export type Parsed<S extends Specs> =
  | { kind: 'values'; values: Values<S> }
  | { kind: 'help'; text: string }
  | { kind: 'error'; message: string };

/** Reads `argv` by the program's options; never throws, never exits. */
export function parseCommandLine<S extends Specs>(program: Program<S>, argv: string[]): Parsed<S> {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(program.options)) {
    config[name] = { type: spec.kind === 'flag' ? 'boolean' : 'string' };
  }
  let given: Record<string, string | boolean | undefined>;
  try {
    given = parseArgs({
      args: argv,
      options: config,
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return { kind: 'error', message: parseArgsMessage(error) };
  }
  if (given.help === true) return { kind: 'help', text: usage(program) };
  const values: Record<string, string | number | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(program.options)) {
    const text = given[name];
    switch (spec.kind) {
      case 'flag':
        values[name] = text === true;
        break;
      case 'optional':
        values[name] = typeof text === 'string' ? text : undefined;
        break;
      case 'text':
        values[name] = typeof text === 'string' ? text : spec.default;
        break;
      case 'url':
      case 'choice': {
        const value = typeof text === 'string' ? text : spec.default;
        const problem = spec.kind === 'url' ? urlProblem(value, spec.protocols) : undefined;
        if (problem !== undefined) return { kind: 'error', message: `--${name}: ${problem}` };
        if (spec.kind === 'choice' && !spec.choices.includes(value)) {
          const choices = spec.choices.join(', ');
          return { kind: 'error', message: `--${name}: "${value}" is not one of ${choices}` };
        }
        values[name] = spec.kind === 'url' ? value.replace(/\/+$/, '') : value;
        break;
      }
      case 'integer': {
        if (typeof text !== 'string') {
          values[name] = spec.default;
          break;
        }
        const value = /^-?[0-9]+$/.test(text.trim()) ? Number(text) : Number.NaN;
        if (!Number.isSafeInteger(value) || value < spec.min || value > spec.max) {
          return {
            kind: 'error',
            message: `--${name}: "${text}" is not a whole number from ${spec.min} to ${spec.max}`,
          };
        }
        values[name] = value;
      }
    }
  }
  return { kind: 'values', values: values as Values<S> };
}

/** parseCommandLine for a script: prints the usage or the mistake and exits, or returns. */
export function commandLine<S extends Specs>(
  program: Program<S>,
  argv = process.argv.slice(2),
): Values<S> {
  const parsed = parseCommandLine(program, argv);
  if (parsed.kind === 'values') return parsed.values;
  if (parsed.kind === 'help') {
    process.stdout.write(`${parsed.text}\n`);
    process.exit(0);
  }
  process.stderr.write(`${program.command}: ${parsed.message} (--help lists the options)\n`);
  process.exit(2);
}

export function usage<S extends Specs>(program: Program<S>): string {
  const rows = Object.entries(program.options).map(([name, spec]) => {
    const left = spec.kind === 'flag' ? `--${name}` : `--${name} <${argName(spec)}>`;
    const choices = spec.kind === 'choice' ? `: ${spec.choices.join(', ')}` : '';
    const fallback = 'default' in spec ? ` (default ${spec.default})` : '';
    return [left, `${spec.help}${choices}${fallback}`] as const;
  });
  rows.push(['-h, --help', 'print this help']);
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `Usage: ${program.command} [options]`,
    '',
    program.summary,
    '',
    'Options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
  ].join('\n');
}

function argName(spec: OptionSpec): string {
  return { integer: 'n', url: 'url', choice: 'choice', text: 'text', optional: 'text', flag: '' }[
    spec.kind
  ];
}

function urlProblem(text: string, protocols: readonly string[]): string | undefined {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url && protocols.includes(url.protocol)) return undefined;
  return `"${text}" is not a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`;
}

/** parseArgs's messages, without its advice to use `--` (these scripts take no positionals). */
function parseArgsMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\. To specify a positional argument.*$/s, '').replace(/\.$/, '');
}
