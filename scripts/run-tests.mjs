// Runs every compiled test file with node's built-in runner: a readable summary on stdout, a JUnit
// report for Jenkins, and a failure when no test ran at all (a green run that tested nothing lies).
import { spawnSync } from 'node:child_process';
import { existsSync, globSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const packages = ['packages/shared', 'migrations', 'main-service', 'admin-service', 'ops', 'test'];
const patterns = process.argv.length > 2 ? process.argv.slice(2) : packages.map((p) => `${p}/dist/**/*.test.js`);

// `tsc -b` never deletes what it emitted for a source that is gone: a checkout that pulled a removed
// or renamed test would still run its old compiled copy. Drop compiled tests whose source is gone.
for (const file of packages.flatMap((p) => globSync(`${p}/dist/**/*.test.js`))) {
  const map = `${file}.map`;
  if (!existsSync(map)) continue;
  const sources = JSON.parse(readFileSync(map, 'utf8')).sources ?? [];
  if (sources.length > 0 && !sources.some((source) => existsSync(resolve(dirname(file), source)))) {
    console.log(`removing ${file}: its source is gone`);
    for (const stale of [file, map, file.replace(/\.js$/, '.d.ts')]) rmSync(stale, { force: true });
  }
}

mkdirSync('test-results', { recursive: true });
const args = [
  '--test',
  `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
  '--test-timeout=180000',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=junit',
  '--test-reporter-destination=test-results/junit.xml',
  ...patterns,
];
const started = Date.now();
const run = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' } });

let junit = '';
try {
  junit = readFileSync('test-results/junit.xml', 'utf8');
} catch {
  // no report means no test ran
}
// A test with subtests nests testcases, so count the elements themselves, not matched pairs.
const tests = (junit.match(/<testcase\b/g) ?? []).length;
const fail = (junit.match(/<failure\b/g) ?? []).length;
const pass = tests - fail;
const seconds = ((Date.now() - started) / 1000).toFixed(1);
// A TAP-style closing summary, printed last so CI reads it whatever the spec reporter printed.
console.log(`# tests ${tests}\n# pass ${pass}\n# fail ${fail}\n# duration_s ${seconds}`);
if (tests === 0) {
  console.error('no test ran: failing the run');
  process.exit(1);
}
process.exit(run.status ?? 1);
