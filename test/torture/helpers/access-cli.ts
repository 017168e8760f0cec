/**
 * The CLI as bob: `status` and `cancel` (text or --json, the key by --token or by the
 * environment) on someone else's job and on a missing id, the real command in a child process
 * each time. Exit code, stdout and stderr must be the same once the id is masked.
 */
import { runCli as cli, type CliRun } from '../../helpers/cli-run.js';
import { NO_ANSWER, normaliser } from './access-capture.js';
import { idForms, SPELLINGS, type Spelling } from './access-probes.js';
import { BOB, missingId, type Target } from './access-scene.js';
import type { Difference } from './access-trials.js';
import type { Random } from './random.js';

export interface CliPlan {
  command: 'status' | 'cancel';
  json: boolean;
  /** The key in BACKEND_PATTERNS_TOKEN instead of --token. */
  viaEnv: boolean;
  target: Target;
  spelling: Spelling;
  missing: string;
}

const CLI_SPELLINGS = SPELLINGS.filter((s) =>
  ['as issued', 'upper case', 'one short', 'first group'].includes(s.name),
);

export function planCli(targets: readonly Target[], random: Random): CliPlan {
  return {
    command: random.pick(['status', 'cancel'] as const),
    json: random.next() < 0.5,
    viaEnv: random.next() < 0.5,
    target: random.pick(targets),
    spelling: random.next() < 0.7 ? (CLI_SPELLINGS[0] as Spelling) : random.pick(CLI_SPELLINGS),
    missing: missingId(random),
  };
}

/** Runs the plan for both ids; resolves with the difference, if any, and the missing id's run. */
export async function cliComparison(
  url: string,
  plan: CliPlan,
): Promise<{ difference?: Difference; none: CliRun }> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.BACKEND_PATTERNS_URL;
  delete env.BACKEND_PATTERNS_TOKEN;
  if (plan.viaEnv) env.BACKEND_PATTERNS_TOKEN = BOB;
  const run = async (id: string) => {
    const form = plan.spelling.spell(id);
    const args = [plan.command, form.value, '--url', url];
    if (!plan.viaEnv) args.push('--token', BOB);
    if (plan.json) args.push('--json');
    const result = await cli(args, env);
    const mask = normaliser(idForms(id, form));
    return {
      result,
      text: `exit ${result.code}\nstdout: ${mask(result.stdout)}\nstderr: ${mask(result.stderr)}`,
    };
  };
  const [theirs, none] = await Promise.all([run(plan.target.job.id), run(plan.missing)]);
  const what =
    `backend-patterns ${plan.command}${plan.json ? ' --json' : ''} ` +
    `(${plan.viaEnv ? 'key in the environment' : '--token'}), ${plan.target.owner}'s ` +
    `${plan.target.state} job, id ${plan.spelling.name}`;
  const differs = theirs.text !== none.text || none.result.code === -1;
  return {
    none: none.result,
    ...(differs ? { difference: { what, theirs: theirs.text, none: none.text || NO_ANSWER } } : {}),
  };
}
