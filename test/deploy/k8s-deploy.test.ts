import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from './support/code-facts';
import { kustomize, type KubeObject } from './support/kube';

/**
 * scripts/k8s-deploy.sh, the ordering a plain `kubectl apply -k` cannot give, run for real with a
 * stand-in `kubectl` on PATH that records each call and answers for the Jobs: each step must apply
 * exactly the objects it is for (checked against the rendered release) and wait for its Job.
 */
let dir: string;
const KUBECTL = `#!/bin/sh
echo "$*" >> "$KUBECTL_LOG"
case "$*" in
  *" get job "*) echo "$FAKE_JOB_STATE" ;;
  *" logs "*) echo "provision: done (0 created, 0 updated, 23 unchanged)" ;;
esac
`;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'k8s-deploy-'));
  writeFileSync(join(dir, 'kubectl'), KUBECTL);
  chmodSync(join(dir, 'kubectl'), 0o755);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function deploy(step: string, extra: Record<string, string> = {}) {
  const log = join(dir, `calls-${step}-${Date.now()}.log`);
  writeFileSync(log, '');
  const run = spawnSync('bash', ['scripts/k8s-deploy.sh', step], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `${dir}:${process.env.PATH}`,
      KUBECTL_LOG: log,
      FAKE_JOB_STATE: 'Complete',
      TARGET: 'qat',
      REGISTRY: 'registry.example.com/catalogue',
      IMAGE_TAG: '1a2b3c4d5e6f',
      RELEASE_DIR: join(dir, 'release'),
      ...extra,
    },
  });
  return { ...run, calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
}

/** `kubectl apply -l` as the API server reads the two selector forms the script uses. */
function selects(selector: string, labels: Record<string, string>): boolean {
  const match = /^([\w./-]+) (in|notin) \(([^)]*)\)$/.exec(selector);
  assert.ok(match, `a selector of the form "key in (a,b)": ${selector}`);
  const values = match[3]!.split(',').map((v) => v.trim());
  const present = values.includes(labels[match[1]!] ?? '');
  return match[2] === 'in' ? present : !present;
}
function applied(calls: string[]): KubeObject[] {
  const apply = calls.find((c) => c.startsWith('apply -k '));
  assert.ok(apply, 'it applies the release');
  const [, release, selector] = /^apply -k (\S+) -l (.+)$/.exec(apply) ?? [];
  assert.ok(release && selector);
  return kustomize(release).filter((o) => selects(selector, o.metadata.labels ?? {}));
}
const names = (objects: KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`).sort();

describe('scripts/k8s-deploy.sh', () => {
  test('provision applies the ConfigMaps and the provisioning Job alone, after deleting the previous one, and waits for it', () => {
    const run = deploy('provision');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.calls[0], '-n catalogue-qat delete job catalogue-provision --ignore-not-found --wait=true');
    assert.deepEqual(names(applied(run.calls)), [
      'ConfigMap/catalogue-admin',
      'ConfigMap/catalogue-common',
      'ConfigMap/catalogue-main',
      'ConfigMap/catalogue-migrate',
      'ConfigMap/catalogue-provision',
      'Job/catalogue-provision',
    ]);
    assert.ok(
      run.calls.some((c) => c.startsWith('-n catalogue-qat get job catalogue-provision')),
      'it waits for the Job',
    );
    assert.match(run.stdout, /provision: done/, 'and shows what it did');
  });

  test('migrate does the same for the migration Job', () => {
    const run = deploy('migrate');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.calls[0], '-n catalogue-qat delete job catalogue-migrate --ignore-not-found --wait=true');
    assert.deepEqual(
      names(applied(run.calls)).filter((n) => !n.startsWith('ConfigMap/')),
      ['Job/catalogue-migrate'],
    );
  });

  test('rollout applies everything but the two Jobs, with the release images, then waits for every Deployment', () => {
    const run = deploy('rollout');
    assert.equal(run.status, 0, run.stderr);
    const objects = applied(run.calls);
    assert.deepEqual(
      objects.filter((o) => o.kind === 'Job'),
      [],
    );
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    assert.equal(deployments.length, 4);
    for (const deployment of deployments) {
      const image = (deployment.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image;
      assert.match(image, /^registry\.example\.com\/catalogue\/[a-z-]+:1a2b3c4d5e6f$/);
      assert.ok(
        run.calls.includes(`-n catalogue-qat rollout status deployment/${deployment.metadata.name} --timeout=300s`),
        deployment.metadata.name,
      );
    }
  });

  test('a failed Job fails the step at once and prints its logs', () => {
    const run = deploy('provision', { FAKE_JOB_STATE: 'Failed' });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /job catalogue-provision failed/);
    assert.match(run.stderr, /provision: done/, "the Job's own output");
    assert.equal(run.calls.filter((c) => c.includes(' get job ')).length, 1, 'no waiting once it failed');
  });

  test('refuses an unknown step, and a missing environment', () => {
    assert.equal(deploy('deploy-everything').status, 2);
    const missing = deploy('provision', { TARGET: '' });
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /TARGET/);
    assert.equal(deploy('provision', { TARGET: 'staging' }).status, 2, 'no overlay named staging');
  });
});
