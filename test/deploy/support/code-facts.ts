import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * What the code actually reads and serves, read from the source with the TypeScript parser, so the
 * deployment files can be checked against it: the environment variables in each zod config shape,
 * their defaults, and the HTTP routes with literal paths.
 */
export const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

export type Program = 'main' | 'admin' | 'migrate' | 'provision';

const CONFIG_FILES: Record<Program, string> = {
  main: 'main-service/src/config.ts',
  admin: 'admin-service/src/config.ts',
  migrate: 'migrations/cli.ts',
  provision: 'migrations/provisioning/config.ts',
};
const SHARED_SOURCE_DIR = 'packages/shared/src';
const SOURCE_DIRS: Record<'main' | 'admin', string> = { main: 'main-service/src', admin: 'admin-service/src' };

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(join(REPO_ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
}

const isEnvName = (name: string) => /^[A-Z][A-Z0-9_]*$/.test(name);

function propertyName(node: ts.ObjectLiteralElementLike): string | undefined {
  if (!node.name) return undefined;
  if (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name)) return node.name.text;
  return undefined;
}

/** Keys of every object literal passed to z.object(...) in a file, with the spreads they pull in. */
function zodShapeKeys(file: string, spreads: Record<string, Map<string, ts.Expression>>): Map<string, ts.Expression> {
  const keys = new Map<string, ts.Expression>();
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      node.expression.getText().replace(/\s+/g, '').endsWith('z.object') &&
      node.arguments[0] &&
      ts.isObjectLiteralExpression(node.arguments[0])
    ) {
      for (const element of node.arguments[0].properties) {
        if (ts.isSpreadAssignment(element)) {
          const spread = spreads[element.expression.getText()];
          if (!spread) throw new Error(`${file}: cannot resolve spread ${element.expression.getText()}`);
          for (const [key, value] of spread) keys.set(key, value);
        } else if (ts.isPropertyAssignment(element)) {
          const name = propertyName(element);
          if (name && isEnvName(name)) keys.set(name, element.initializer);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(parse(file));
  return keys;
}

/** The shared shapes (`commonEnvShape`, `httpSecurityEnvShape`, ...) the services spread into their own, wherever in the shared package they live. */
function sharedShapes(): Record<string, Map<string, ts.Expression>> {
  const shapes: Record<string, Map<string, ts.Expression>> = {};
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      let init: ts.Expression = node.initializer;
      if (ts.isAsExpression(init)) init = init.expression;
      if (ts.isObjectLiteralExpression(init)) {
        const keys = new Map<string, ts.Expression>();
        for (const element of init.properties) {
          const name = ts.isPropertyAssignment(element) ? propertyName(element) : undefined;
          if (name && isEnvName(name) && ts.isPropertyAssignment(element)) keys.set(name, element.initializer);
        }
        if (keys.size > 0) shapes[node.name.text] = keys;
      }
    }
    ts.forEachChild(node, visit);
  };
  for (const file of sourceFiles(SHARED_SOURCE_DIR)) visit(parse(file));
  return shapes;
}

/** Environment variable names a program validates (and so may be given), with their zod initialisers. */
export function configShape(program: Program): Map<string, ts.Expression> {
  const keys = zodShapeKeys(CONFIG_FILES[program], sharedShapes());
  if (keys.size === 0) throw new Error(`no config keys found in ${CONFIG_FILES[program]}`);
  return keys;
}

export function envNames(program: Program): Set<string> {
  return new Set(configShape(program).keys());
}

/** The default of a `portVar(N)` variable, e.g. PORT: portVar(5000) gives 5000. */
export function defaultPort(program: Program, name: string): number {
  const init = configShape(program).get(name);
  if (
    !init ||
    !ts.isCallExpression(init) ||
    init.expression.getText() !== 'portVar' ||
    !init.arguments[0] ||
    !ts.isNumericLiteral(init.arguments[0])
  ) {
    throw new Error(`${name} is not a portVar(N) in the ${program} config`);
  }
  return Number(init.arguments[0].text);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => relative(REPO_ROOT, join(entry.parentPath, entry.name)));
}

function literalPaths(node: ts.Expression | undefined): string[] {
  if (!node) return [''];
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isArrayLiteralExpression(node)) return node.elements.flatMap((e) => (ts.isStringLiteral(e) ? [e.text] : []));
  return [];
}

const join2 = (prefix: string, path: string) =>
  `/${[prefix, path]
    .map((p) => p.replace(/^\/|\/$/g, ''))
    .filter(Boolean)
    .join('/')}`;

/**
 * GET routes with absolute literal paths: Express `router.get('/x', ...)` calls, and NestJS
 * `@Get('x')` handlers joined to a literal `@Controller('prefix')`. Routes under a computed prefix
 * are left out; the probes and health checks only use absolute ones.
 */
export function getRoutes(service: 'main' | 'admin'): Set<string> {
  const routes = new Set<string>();
  for (const file of sourceFiles(SOURCE_DIRS[service])) {
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'get') {
        for (const path of literalPaths(node.arguments[0])) if (path.startsWith('/')) routes.add(path);
      }
      if (ts.isClassDeclaration(node)) {
        const controller = ts
          .getDecorators(node)
          ?.find((d) => ts.isCallExpression(d.expression) && d.expression.expression.getText() === 'Controller');
        if (controller && ts.isCallExpression(controller.expression)) {
          const prefixes = literalPaths(controller.expression.arguments[0]);
          for (const member of node.members) {
            for (const decorator of ts.canHaveDecorators(member) ? (ts.getDecorators(member) ?? []) : []) {
              if (ts.isCallExpression(decorator.expression) && decorator.expression.expression.getText() === 'Get') {
                for (const prefix of prefixes)
                  for (const path of literalPaths(decorator.expression.arguments[0])) routes.add(join2(prefix, path));
              }
            }
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(parse(file));
  }
  if (routes.size === 0) throw new Error(`no routes found in ${SOURCE_DIRS[service]}`);
  return routes;
}

/**
 * Paths a process answers on: its GET routes, plus paths that a plain node:http handler compares
 * the URL with (`case '/x':`, `url === '/x'`) in the service or the shared package.
 */
export function servedPaths(service: 'main' | 'admin'): Set<string> {
  const paths = new Set(getRoutes(service));
  for (const file of [...sourceFiles(SOURCE_DIRS[service]), ...sourceFiles('packages/shared/src')]) {
    const visit = (node: ts.Node): void => {
      if (ts.isCaseClause(node) && ts.isStringLiteral(node.expression) && node.expression.text.startsWith('/'))
        paths.add(node.expression.text);
      if (
        ts.isBinaryExpression(node) &&
        [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken].includes(node.operatorToken.kind)
      ) {
        for (const side of [node.left, node.right]) if (ts.isStringLiteral(side) && side.text.startsWith('/')) paths.add(side.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(parse(file));
  }
  return paths;
}

/** Whether a workspace (or the shared package it uses) ships an OpenTelemetry SDK, which reads the standard OTEL_* variables itself. */
export function usesOpenTelemetrySdk(workspace: string): boolean {
  return [workspace, 'packages/shared'].some((dir) => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    return Object.keys(manifest.dependencies ?? {}).some((name) => name.startsWith('@opentelemetry/sdk-'));
  });
}

/** The standard variables the OpenTelemetry SDK reads, which the deployment files may set. */
export const OTEL_STANDARD_ENV = new Set([
  'OTEL_SERVICE_NAME',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_SDK_DISABLED',
]);

/** The source file that `node dist/<x>.js` runs, for a workspace whose sources sit in src/ (or its root). */
export function sourceOfEntry(workspace: string, distPath: string): string {
  const rootDir = workspace === 'migrations' ? '' : 'src/';
  return `${workspace}/${distPath.replace(/^dist\//, rootDir).replace(/\.js$/, '.ts')}`;
}
