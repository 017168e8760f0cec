/**
 * npm run bench [-- <suite> ...] [--quick] [--json]
 *
 * Runs the benchmark suites one after another, prints a table per suite (baseline, ours,
 * ratio, target, MET/MISSED), and writes JSON and an SVG chart per suite to bench/results/.
 * Not part of npm test: benchmarks are slow and their numbers depend on the machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { buildForBench } from './lib/build.js';
import { stopAll } from './lib/processes.js';
import { missedTargets, renderTable, type SuiteResult } from './lib/report.js';
import type { Suite } from './lib/suite.js';
import { tempDirs } from './lib/suite.js';
import { renderSvg } from './lib/svg-chart.js';
import { connectionsSuite } from './suites/connections.js';
import { fanOutSuite } from './suites/fan-out.js';
import { jobsSuite } from './suites/jobs.js';
import { redisModeSuite } from './suites/redis-mode.js';
import { scaleSuite } from './suites/scale.js';
import { statusReadsSuite } from './suites/status-reads.js';
import { syncAsyncSuite } from './suites/sync-async.js';
import { transportsSuite } from './suites/transports.js';
import { webhooksSuite } from './suites/webhooks.js';

const SUITES: Suite[] = [
  transportsSuite,
  statusReadsSuite,
  fanOutSuite,
  connectionsSuite,
  scaleSuite,
  jobsSuite,
  redisModeSuite,
  syncAsyncSuite,
  webhooksSuite,
];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const unknown = positionals.filter((name) => !SUITES.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(
    `unknown suite(s): ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`,
  );
  process.exit(2);
}
const selected = positionals.length ? SUITES.filter((s) => positionals.includes(s.name)) : SUITES;
const machine = `${String(cpus().length)} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
const resultsDir = new URL('./results/', import.meta.url);
mkdirSync(resultsDir, { recursive: true });

await buildForBench();
const dirs = tempDirs();
process.on('SIGINT', () => {
  void stopAll().then(() => process.exit(130));
});
const results: SuiteResult[] = [];
try {
  for (const suite of selected) {
    const log = (line: string) => {
      if (!values.json) console.error(`  … ${line}`);
    };
    const result = await suite.run({ quick: values.quick, tempDir: () => dirs.make(), log });
    results.push(result);
    writeFileSync(
      new URL(`${suite.name}.json`, resultsDir),
      JSON.stringify({ machine, ...result }, null, 2),
    );
    writeFileSync(new URL(`${suite.name}.svg`, resultsDir), renderSvg(result, machine));
    if (!values.json) console.log(`\n${renderTable(result)}\n`);
  }
} finally {
  await stopAll();
  dirs.removeAll();
}

if (values.json) {
  console.log(JSON.stringify({ machine, quick: values.quick, results }, null, 2));
} else {
  console.log(`machine: ${machine}${values.quick ? ' (quick sizes)' : ''}`);
  const missed = results.flatMap((r) => missedTargets(r).map((m) => `${r.suite}: ${m.metric}`));
  console.log(missed.length ? `MISSED targets:\n  ${missed.join('\n  ')}` : 'all targets met');
  console.log(`tables, JSON and SVG charts: bench/results/`);
}
