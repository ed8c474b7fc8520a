import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';
import { REPO_ROOT } from './support/code-facts';
import { readRepoFile } from './support/files';

/**
 * What each workspace ships: its production sources (what tsconfig.build.json compiles into the
 * images) and the test code that never ships. Checked against package.json, so a runtime import
 * declared only for development (the image installs `--omit=dev`) or a dependency nothing uses
 * fails here rather than in production.
 */
const WORKSPACES: Record<string, { roots: string[]; build?: string }> = {
  'packages/shared': { roots: ['src'], build: 'packages/shared/tsconfig.build.json' },
  migrations: { roots: ['.'], build: 'migrations/tsconfig.build.json' },
  'main-service': { roots: ['src'], build: 'main-service/tsconfig.build.json' },
  'admin-service': { roots: ['src'], build: 'admin-service/tsconfig.build.json' },
  ops: { roots: ['src'], build: 'ops/tsconfig.build.json' },
};

/** Test code and test helpers: they may use development dependencies, and never ship. */
const isTestFile = (file: string) => /\.test\.ts$|(^|\/)test-support\.ts$|^packages\/shared\/src\/testing\//.test(file);

/**
 * Dependencies no production file imports yet needed at run time: each is a peer dependency of
 * another dependency of the same workspace (checked below), which requires it by name.
 */
const PEERS_WITHOUT_IMPORT: Record<string, string[]> = {
  // amqp-connection-manager drives amqplib; TypeORM loads the mysql2 driver by name.
  'packages/shared': ['amqplib', 'mysql2'],
  // Nest loads its Express adapter by name, needs reflect-metadata loaded, and RxJS is its peer.
  'admin-service': ['@nestjs/platform-express', 'reflect-metadata', 'rxjs', 'mysql2'],
  'main-service': ['mysql2'],
  migrations: ['mysql2'],
  ops: [],
};

interface Imports {
  runtime: Set<string>;
  typeOnly: Set<string>;
}

function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Bare package imports of a file, split into those that stay at run time and type-only ones (erased). */
function importsOf(file: string, into: Imports): void {
  const source = ts.createSourceFile(file, readFileSync(join(REPO_ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const add = (specifier: string, typeOnly: boolean) => {
    const name = packageOf(specifier);
    if (name) (typeOnly ? into.typeOnly : into.runtime).add(name);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const allTypes =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name &&
            !!clause.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, allTypes);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0]!)) {
      const callee = node.expression;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      // require.resolve('pkg/...') finds a package's files at run time: it needs the package installed as much as an import does.
      const isResolve =
        ts.isPropertyAccessExpression(callee) &&
        ts.isIdentifier(callee.expression) &&
        callee.expression.text === 'require' &&
        callee.name.text === 'resolve';
      if (callee.kind === ts.SyntaxKind.ImportKeyword || isRequire || isResolve) add(node.arguments[0].text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

/** The repository paths of a file's relative imports (with `.ts` added). */
function relativeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(join(REPO_ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
  return source.statements
    .filter(
      (s): s is ts.ImportDeclaration =>
        ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text.startsWith('.'),
    )
    .map((s) => relative(REPO_ROOT, join(REPO_ROOT, dirname(file), `${(s.moduleSpecifier as ts.StringLiteral).text}.ts`)));
}

function sourceFiles(workspace: string, roots: string[]): string[] {
  return roots.flatMap((root) =>
    readdirSync(join(REPO_ROOT, workspace, root), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
      .map((entry) => relative(REPO_ROOT, join(entry.parentPath, entry.name)))
      .filter((file) => !/(^|\/)(node_modules|dist|web)\//.test(relative(workspace, file))),
  );
}

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}
const manifest = (path: string) => JSON.parse(readRepoFile(path)) as Manifest;
/** An installed package's manifest, as the workspace resolves it (its own node_modules first, then the root's). */
function installed(workspace: string, name: string): Manifest {
  for (const base of [join(REPO_ROOT, workspace, 'node_modules'), join(REPO_ROOT, 'node_modules')]) {
    try {
      return JSON.parse(readFileSync(join(base, name, 'package.json'), 'utf8')) as Manifest;
    } catch {
      // not installed here
    }
  }
  throw new Error(`${name} is not installed for ${workspace}`);
}

for (const [workspace, { roots, build }] of Object.entries(WORKSPACES)) {
  describe(`${workspace}: dependencies`, () => {
    const pkg = manifest(`${workspace}/package.json`);
    const dependencies = Object.keys(pkg.dependencies ?? {});
    const development = Object.keys(pkg.devDependencies ?? {});
    const files = sourceFiles(workspace, roots);
    const production: Imports = { runtime: new Set(), typeOnly: new Set() };
    const tests: Imports = { runtime: new Set(), typeOnly: new Set() };
    for (const file of files) importsOf(file, isTestFile(file) ? tests : production);

    test('the scan finds production files and their imports, so an empty scan cannot pass', () => {
      assert.ok(files.filter((f) => !isTestFile(f)).length >= 5, `production files of ${workspace}`);
      assert.ok(production.runtime.size > 0);
    });

    test('every package production code loads at run time is in dependencies (images install --omit=dev)', () => {
      const missing = [...production.runtime].filter((name) => !dependencies.includes(name));
      assert.deepEqual(missing, [], `move to "dependencies" in ${workspace}/package.json`);
    });

    test('every dependency is used by production code, or is a peer another dependency loads by name', () => {
      const peers = PEERS_WITHOUT_IMPORT[workspace] ?? [];
      const unused = dependencies.filter(
        (name) => !production.runtime.has(name) && !production.typeOnly.has(name) && !peers.includes(name),
      );
      assert.deepEqual(unused, [], `remove from ${workspace}/package.json, or say which dependency needs it`);
      for (const peer of peers) {
        assert.ok(dependencies.includes(peer), `${peer} is listed as needed by ${workspace}: declare it`);
        const needer = dependencies.find((name) => name !== peer && installed(workspace, name).peerDependencies?.[peer] !== undefined);
        assert.ok(needer, `${peer} is kept in ${workspace} as a peer of another dependency, but none of them names it`);
      }
    });

    test('every package test code imports is declared (as a dependency or a development dependency)', () => {
      const declared = new Set([...dependencies, ...development]);
      const undeclared = [...tests.runtime, ...tests.typeOnly].filter((name) => !declared.has(name));
      assert.deepEqual(undeclared, []);
    });

    if (build) {
      test(`the production build (${build}) compiles every production file and no test or test helper`, () => {
        const config = ts.getParsedCommandLineOfConfigFile(
          join(REPO_ROOT, build),
          {},
          { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')) },
        );
        const compiled = (config?.fileNames ?? []).map((file) => relative(REPO_ROOT, file));
        assert.deepEqual(
          compiled.filter((file) => isTestFile(file)),
          [],
          'tests and test helpers would ship in the image',
        );
        const expected = files.filter((file) => !isTestFile(file));
        assert.deepEqual(
          expected.filter((file) => !compiled.includes(file)),
          [],
          'production files the build leaves out',
        );
        // tsc also compiles what an included file imports: no production file may pull in test code.
        assert.deepEqual(
          expected.filter((file) => relativeImports(file).some((target) => isTestFile(target))),
          [],
          'production files that import test code',
        );
      });
    }
  });
}

describe('the images build for production', () => {
  for (const [dockerfile, builds] of [
    ['main-service/Dockerfile', ['main-service/tsconfig.build.json']],
    ['admin-service/Dockerfile', ['admin-service/tsconfig.build.json', 'ops/tsconfig.build.json']],
    ['migrations/Dockerfile', ['migrations/tsconfig.build.json']],
  ] as const) {
    test(`${dockerfile} compiles with the production build configurations, so no test code ships`, () => {
      const compile = readRepoFile(dockerfile)
        .replace(/\\\n/g, ' ')
        .split('\n')
        .find((line) => /^RUN .*\btsc -b\b/.test(line));
      assert.ok(compile, 'a RUN line that compiles with tsc -b');
      const projects = /\btsc -b ((?:[^\s&]+\s*)+)/.exec(compile)![1]!.trim().split(/\s+/);
      assert.deepEqual(projects, [...builds]);
    });
  }
});

describe('install scripts', () => {
  test('every dependency with an install script is allowed or denied in package.json (a fresh npm ci warns about none)', () => {
    const answer = execFileSync('npm', ['install-scripts', 'ls'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.match(answer, /No packages with unreviewed install scripts/);
  });
});
