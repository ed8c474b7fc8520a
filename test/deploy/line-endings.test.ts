import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from './support/code-facts';

const git = (...args: string[]) => {
  const run = spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
};
const INIT_SCRIPTS = readdirSync(join(REPO_ROOT, 'deploy/mysql/init'))
  .filter((name) => name.endsWith('.sh'))
  .map((name) => `deploy/mysql/init/${name}`);
const SHELL_SCRIPTS = git('ls-files', '*.sh').split('\n').filter(Boolean);

describe('.gitattributes: LF line endings on every platform', () => {
  test("gives MySQL's init scripts and every shell script eol=lf", () => {
    assert.ok(INIT_SCRIPTS.length > 0);
    for (const path of new Set([...INIT_SCRIPTS, ...SHELL_SCRIPTS])) {
      assert.equal(git('check-attr', 'eol', '--', path).trim(), `${path}: eol: lf`);
    }
  });

  test('gives text files eol=lf and leaves images binary', () => {
    for (const path of ['docker-compose.yml', '.env.example', 'main-service/Dockerfile', 'Jenkinsfile', 'README.md']) {
      assert.equal(git('check-attr', 'eol', '--', path).trim(), `${path}: eol: lf`);
    }
    assert.equal(git('check-attr', 'text', '--', 'docs/screenshots/storefront.png').trim(), 'docs/screenshots/storefront.png: text: unset');
  });

  test('a checkout configured as on Windows (core.autocrlf=true) still writes the init scripts with LF', () => {
    const target = mkdtempSync(join(tmpdir(), 'eol-checkout-'));
    try {
      git('-c', 'core.autocrlf=true', '-c', 'core.eol=crlf', 'checkout-index', `--prefix=${target}/`, '--', ...INIT_SCRIPTS);
      for (const path of INIT_SCRIPTS) {
        const content = readFileSync(join(target, path), 'utf8');
        assert.ok(content.includes('\n'));
        assert.ok(!content.includes('\r'), `${path} has no CR`);
      }
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });
});
