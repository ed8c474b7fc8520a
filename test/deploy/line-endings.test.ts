import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from './support/code-facts';

const git = (...args: string[]) => {
  const run = spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
};
const SHELL_SCRIPTS = git('ls-files', '*.sh').split('\n').filter(Boolean);
/** What containers and CI read as text: a stray CR breaks a value or a command there. */
const TEXT_FILES = [
  'docker-compose.yml',
  '.env.example',
  'main-service/Dockerfile',
  'admin-service/Dockerfile',
  'migrations/Dockerfile',
  'Jenkinsfile',
  '.ci/run',
  'README.md',
];

describe('.gitattributes: LF line endings on every platform', () => {
  test('gives every shell script eol=lf', () => {
    assert.ok(SHELL_SCRIPTS.length > 0);
    for (const path of SHELL_SCRIPTS) {
      assert.equal(git('check-attr', 'eol', '--', path).trim(), `${path}: eol: lf`);
    }
  });

  test('gives text files eol=lf and leaves images binary', () => {
    for (const path of TEXT_FILES) {
      assert.equal(git('check-attr', 'eol', '--', path).trim(), `${path}: eol: lf`);
    }
    assert.equal(git('check-attr', 'text', '--', 'docs/screenshots/storefront.png').trim(), 'docs/screenshots/storefront.png: text: unset');
  });

  test('a checkout configured as on Windows (core.autocrlf=true) still writes shell scripts and those files with LF', () => {
    const target = mkdtempSync(join(tmpdir(), 'eol-checkout-'));
    try {
      git(
        '-c',
        'core.autocrlf=true',
        '-c',
        'core.eol=crlf',
        'checkout-index',
        `--prefix=${target}/`,
        '--',
        ...SHELL_SCRIPTS,
        ...TEXT_FILES,
      );
      for (const path of [...SHELL_SCRIPTS, ...TEXT_FILES]) {
        const content = readFileSync(join(target, path), 'utf8');
        assert.ok(content.includes('\n'));
        assert.ok(!content.includes('\r'), `${path} has no CR`);
      }
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });
});
