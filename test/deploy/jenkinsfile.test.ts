import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from './support/code-facts';
import { readRepoFile } from './support/files';
import { kustomize } from './support/kube';

const jenkinsfile = readRepoFile('Jenkinsfile');
const scripts = (JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts;

/** Stage names in the order they appear. */
const stageNames = [...jenkinsfile.matchAll(/stage\('([^']+)'\)/g)].map((m) => m[1]!);

/** Ant-style path matching as Jenkins' changeset condition does it: ** spans folders, * stays within one. */
function antMatches(pattern: string, path: string): boolean {
  const regex = pattern
    .split('/')
    .map((part) =>
      part === '**'
        ? '(?:[^/]+/)*'
        : `${part
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '[^/]*')
            .replace(/\?/g, '[^/]')}/`,
    )
    .join('');
  return new RegExp(`^${regex.replace(/\/$/, '').replace(/\(\?:\[\^\/\]\+\/\)\*$/, '.*')}$`).test(path);
}
const changesets = [...jenkinsfile.matchAll(/changeset pattern: '([^']+)'/g)].map((m) => m[1]!);
const triggersRelease = (path: string) => changesets.some((pattern) => antMatches(pattern, path));

describe('Jenkinsfile', () => {
  test('parses (npm-groovy-lint, offline) with no error or warning, and the same linter rejects a broken copy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jenkinsfile-'));
    try {
      writeFileSync(join(dir, 'Jenkinsfile'), jenkinsfile);
      // The last closing brace removed: the parser must say so.
      writeFileSync(join(dir, 'Broken.Jenkinsfile'), jenkinsfile.replace(/}\s*$/, ''));
      const bin = join(REPO_ROOT, 'node_modules/npm-groovy-lint/lib/index.js');
      const run = spawnSync(
        process.execPath,
        [bin, '--noserver', '--output', 'json', '--config', join(REPO_ROOT, '.groovylintrc.json'), 'Jenkinsfile', 'Broken.Jenkinsfile'],
        {
          cwd: dir,
          encoding: 'utf8',
          timeout: 170_000,
        },
      );
      assert.ok(run.stdout.includes('{'), `npm-groovy-lint ran (java is needed): ${run.stderr}`);
      const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as {
        files: Record<string, { errors: { rule: string; severity: string; msg: string }[] }>;
      };
      const problems = (name: string) => Object.entries(report.files).find(([file]) => file.endsWith(`/${name}`))?.[1].errors ?? [];
      assert.deepEqual(
        problems('Jenkinsfile').filter((e) => e.severity !== 'info'),
        [],
      );
      assert.ok(
        problems('Broken.Jenkinsfile').some((e) => e.rule === 'NglParseError' && e.severity === 'error'),
        'a broken pipeline does not parse',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('has the stages of a release, in order: the scan before the push; dev, then qat, then prod after an approval; in each, provision, migrate, deploy, smoke test', () => {
    const perEnvironment = (env: string) => [
      `Release to ${env}`,
      `Provision ${env}`,
      `Migrate ${env}`,
      `Deploy ${env}`,
      `Smoke test ${env}`,
    ];
    assert.deepEqual(stageNames, [
      'Install',
      'Lint and typecheck',
      'Unit and integration tests',
      'npm audit',
      'Release',
      'Image build',
      'Image scan',
      'Push',
      ...perEnvironment('dev'),
      ...perEnvironment('qat'),
      'Approve prod',
      ...perEnvironment('prod'),
    ]);
  });

  test('each environment is an overlay that exists, deployed with its own kubeconfig by the step its stage names', () => {
    const environments = [...jenkinsfile.matchAll(/stage\('Release to ([a-z]+)'\)/g)].map((m) => m[1]!);
    assert.deepEqual([...environments].sort(), readdirSync(join(REPO_ROOT, 'deploy/k8s/overlays')).sort());
    for (const env of environments) {
      const block = jenkinsfile.slice(jenkinsfile.indexOf(`stage('Release to ${env}')`)).split(/\n {8}stage\('/)[0]!;
      assert.match(block, new RegExp(`TARGET = '${env}'`));
      assert.match(block, new RegExp(`KUBECONFIG = credentials\\('catalogue-kubeconfig-${env}'\\)`));
      for (const [stage, step] of [
        ['Provision', 'provision'],
        ['Migrate', 'migrate'],
        ['Deploy', 'rollout'],
        ['Smoke test', 'smoke'],
      ]) {
        assert.match(
          block,
          new RegExp(`stage\\('${stage} ${env}'\\) \\{\\s+steps \\{\\s+sh 'scripts/k8s-deploy\\.sh ${step}'`),
          `${stage} ${env} runs k8s-deploy.sh ${step}`,
        );
      }
    }
  });

  test('prod waits for a manual approval, by named approvers, with a time limit', () => {
    const approve = jenkinsfile.slice(jenkinsfile.indexOf("stage('Approve prod')"), jenkinsfile.indexOf("stage('Release to prod')"));
    assert.ok(approve.length > 0 && jenkinsfile.indexOf("stage('Approve prod')") > jenkinsfile.indexOf("stage('Smoke test qat')"));
    assert.match(approve, /input message: '[^']+',\s+ok: '[^']+', submitter: '[a-z-]+'/);
    assert.match(approve, /timeout\(time: \d+, unit: 'MINUTES'\)/);
    assert.equal([...jenkinsfile.matchAll(/\binput message:/g)].length, 1, 'dev and qat go without one');
  });

  test('runs the same npm scripts as .ci/run, and only scripts that exist', () => {
    const ci = readRepoFile('.ci/run');
    assert.match(ci, /^npm ci$/m, '.ci/run installs from the lock file');
    assert.match(ci, /^npm test$/m, '.ci/run runs the tests');
    assert.match(ci, /^npm run lint$/m, '.ci/run runs the lint (ESLint and Prettier at zero warnings)');
    assert.ok(ci.search(/^npm run lint$/m) < ci.search(/^npm test$/m), '.ci/run lints before the long tests');
    for (const command of ["sh 'npm ci'", "sh 'npm run lint'", 'npm test']) assert.ok(jenkinsfile.includes(command), command);
    for (const [, name] of jenkinsfile.matchAll(/npm run ([a-z:-]+)/g)) assert.ok(scripts[name!], `package.json has script ${name}`);
    assert.ok(scripts.test && scripts.lint);
  });

  test('points the tests at its service containers through the variables the test helpers read', () => {
    const helpers = readRepoFile('packages/shared/src/testing/index.ts');
    for (const [, name] of jenkinsfile.matchAll(/export (TEST_[A-Z_]+)=/g)) assert.ok(helpers.includes(`process.env.${name}`), name);
    for (const name of ['TEST_DB_PORT', 'TEST_RABBITMQ_URL', 'TEST_RABBITMQ_MANAGEMENT_URL']) assert.ok(jenkinsfile.includes(name), name);
    assert.match(jenkinsfile, /rabbitmq:[0-9.]+-management/, 'a broker image with the management plugin on');
  });

  test('publishes the JUnit report where the test runner writes it', () => {
    const runner = readRepoFile('scripts/run-tests.mjs');
    const [, path] = /--test-reporter-destination=(test-results\/[^'"]+\.xml)/.exec(runner) ?? [];
    assert.ok(path);
    assert.ok(jenkinsfile.includes(`junit testResults: '${path}'`));
  });

  test('audits production dependencies and fails the build on high or critical image findings', () => {
    assert.match(jenkinsfile, /npm audit --omit=dev --audit-level=high/);
    assert.match(jenkinsfile, /trivy[\s\S]*image --exit-code 1 --severity HIGH,CRITICAL/);
  });

  test('builds every image from a Dockerfile that exists, and deploys overlays and Deployments that exist', () => {
    const [, list] = /for image in ([a-z -]+); do\s+docker build/.exec(jenkinsfile) ?? [];
    assert.ok(list);
    for (const image of list.trim().split(/\s+/)) assert.ok(existsSync(join(REPO_ROOT, image, 'Dockerfile')), `${image}/Dockerfile`);
    const [, rollouts] = /for deployment in ([a-z -]+); do/.exec(readRepoFile('scripts/k8s-deploy.sh')) ?? [];
    const deployments = kustomize('deploy/k8s/base')
      .filter((o) => o.kind === 'Deployment')
      .map((o) => o.metadata.name);
    assert.deepEqual(rollouts!.trim().split(/\s+/).sort(), deployments.sort());
    for (const script of jenkinsfile.match(/scripts\/[a-z0-9-]+\.sh/g) ?? []) assert.ok(existsSync(join(REPO_ROOT, script)), script);
  });

  test('change detection triggers on files in nested folders and skips a docs-only change', () => {
    for (const path of [
      'main-service/src/products/products.router.ts',
      'admin-service/src/common/exception.filter.ts',
      'packages/shared/src/messaging/outbox.ts',
      'migrations/main/1732000000000-InitialMainSchema.ts',
      'deploy/k8s/base/main-service.yaml',
      'main-service/Dockerfile',
      'package-lock.json',
    ]) {
      assert.ok(triggersRelease(path), `${path} triggers a release`);
    }
    for (const path of ['docs/openapi/main-service.yaml', 'README.md'])
      assert.equal(triggersRelease(path), false, `${path} alone does not`);
    // Whatever an image copies from the repository changes the image, so it releases.
    for (const dockerfile of ['main-service/Dockerfile', 'admin-service/Dockerfile', 'migrations/Dockerfile']) {
      for (const line of readRepoFile(dockerfile).split('\n')) {
        const copy = /^COPY\s+(?!--from)(.+)$/.exec(line.trim());
        if (!copy) continue;
        for (const source of copy[1]!.split(/\s+/).slice(0, -1)) {
          const path = statSync(join(REPO_ROOT, source)).isDirectory() ? `${source.replace(/\/$/, '')}/src/changed.ts` : source;
          assert.ok(triggersRelease(path), `${dockerfile} copies ${source}: ${path} triggers a release`);
        }
      }
    }
    assert.equal(antMatches('main-service/*', 'main-service/src/app.ts'), false, 'the matcher treats * as one folder level');
  });

  test('keeps credentials out of Groovy string interpolation: every sh step is single-quoted', () => {
    const steps = [...jenkinsfile.matchAll(/(?:^\s*|=\s*)sh\s*(\(?\s*(?:script:\s*)?)(['"]{1,3})/gm)];
    assert.ok(steps.length > 5);
    for (const step of steps) assert.ok(step[2]!.startsWith("'"), `single-quoted: ${step[0]}`);
    assert.ok(jenkinsfile.includes('--password-stdin'), 'the registry password goes through stdin');
  });
});
