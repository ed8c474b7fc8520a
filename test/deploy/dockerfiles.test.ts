import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SERVICE_NODE_OPTIONS } from '@catalogue/shared/node-options';
import { DockerfileParser, type Copy, type Env, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { defaultPort, REPO_ROOT, servedPaths, sourceOfEntry } from './support/code-facts';
import { readRepoFile } from './support/files';

interface Image {
  dockerfile: string;
  workspace: string;
  /** The service it serves, and the config variable for its HTTP port; absent for the one-shot migration image. */
  serves?: { service: 'main' | 'admin'; program: 'main' | 'admin' };
  /** Other workspaces whose commands the image also ships (the operator commands ride in admin's image). */
  alsoShips?: string[];
}
const IMAGES: Image[] = [
  { dockerfile: 'main-service/Dockerfile', workspace: 'main-service', serves: { service: 'main', program: 'main' } },
  {
    dockerfile: 'admin-service/Dockerfile',
    workspace: 'admin-service',
    serves: { service: 'admin', program: 'admin' },
    alsoShips: ['ops'],
  },
  { dockerfile: 'migrations/Dockerfile', workspace: 'migrations' },
];
/** Every workspace of the root manifest: `npm ci` refuses to run when one of their manifests is missing. */
const WORKSPACES = (JSON.parse(readRepoFile('package.json')) as { workspaces: string[] }).workspaces;
const packageName = (workspace: string) => (JSON.parse(readRepoFile(`${workspace}/package.json`)) as { name: string }).name;
const SECRET_NAME = /PASSWORD|PASS$|SECRET|TOKEN|_KEY$|CREDENTIAL/i;
/**
 * The base image users pull: Debian bookworm like the stand-in `npm run test:images` makes where no
 * registry answers, so what is built and run here is the distribution that ships (decision 0020).
 */
const OFFICIAL_NODE_IMAGE = 'node:24-bookworm-slim';

/** The instructions of each build stage, in order (a stage starts at its FROM). */
function stages(content: string): Instruction[][] {
  const result: Instruction[][] = [];
  for (const instruction of DockerfileParser.parse(content).getInstructions()) {
    if (instruction.getKeyword() === 'FROM') result.push([]);
    result.at(-1)?.push(instruction);
  }
  return result;
}
const args = (i: Instruction) => i.getArgumentsContent() ?? '';
const jsonForm = (i: Instruction): string[] | undefined => {
  const text = args(i).replace(/^CMD\s+/, '');
  if (!text.trim().startsWith('[')) return undefined;
  return JSON.parse(text) as string[];
};
const ignored = readRepoFile('.dockerignore')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

for (const image of IMAGES) {
  const content = readRepoFile(image.dockerfile);
  const all = stages(content);
  const final = all.at(-1)!;
  const find = (keyword: string) => final.filter((i) => i.getKeyword() === keyword);

  describe(image.dockerfile, () => {
    test('has no syntax errors or warnings (dockerfile-utils)', () => {
      const problems = validate(content).map(
        (d) => `${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`,
      );
      assert.deepEqual(problems, []);
    });

    test('builds in stages on Node 24 and installs from the lock file, production dependencies only at the end', () => {
      assert.ok(all.length >= 2, 'multi-stage');
      // Every stage starts from the NODE_IMAGE argument, whose default is the official Node 24 image.
      const initial = DockerfileParser.parse(content)
        .getInitialARGs()
        .map((a) => [a.getProperty()?.getName(), a.getProperty()?.getValue()]);
      assert.deepEqual(initial, [['NODE_IMAGE', OFFICIAL_NODE_IMAGE]], 'ARG NODE_IMAGE before the first FROM');
      for (const stage of all) assert.match(args(stage[0]!), /^\$\{NODE_IMAGE\} AS \w+$/);
      assert.ok(
        all[0]!.some((i) => i.getKeyword() === 'RUN' && /\bnpm ci\b/.test(args(i))),
        'build stage runs npm ci',
      );
      const install = find('RUN').filter((i) => /\bnpm ci\b/.test(args(i)));
      assert.equal(install.length, 1);
      assert.match(args(install[0]!), /--omit=dev/);
      assert.ok(
        args(install[0]!).split(/\s+/).join(' ').includes(`--workspace @catalogue/${image.workspace}`),
        'installs for this workspace only',
      );
    });

    test('copies every workspace manifest before each npm ci', () => {
      for (const stage of all) {
        const install = stage.findIndex((i) => i.getKeyword() === 'RUN' && /\bnpm ci\b/.test(args(i)));
        if (install < 0) continue;
        const copied = new Set(
          stage
            .slice(0, install)
            .filter((i) => i.getKeyword() === 'COPY' && !(i as Copy).getFromFlag())
            .flatMap((i) => {
              const parts = args(i).split(/\s+/);
              const destination = parts.at(-1)!;
              return parts
                .slice(0, -1)
                .map((source) =>
                  destination.endsWith('/') && destination !== './' ? `${destination}${source.split('/').at(-1)}` : source,
                );
            }),
        );
        for (const workspace of WORKSPACES)
          assert.ok(copied.has(`${workspace}/package.json`), `${args(stage[0]!)}: ${workspace}/package.json before npm ci`);
      }
    });

    if (image.serves) {
      test("runs every process with the services' V8 heap bounds, exactly as npm start and the bench do", () => {
        const options = final
          .filter((i) => i.getKeyword() === 'ENV')
          .flatMap((i) => (i as Env).getProperties())
          .filter((p) => p.getName() === 'NODE_OPTIONS')
          .map((p) => (p.getValue() ?? '').replace(/^"|"$/g, ''));
        assert.deepEqual(options, [SERVICE_NODE_OPTIONS]);
      });
    }

    test('runs as the non-root node user', () => {
      const users = find('USER');
      assert.ok(users.length > 0, 'final stage sets USER');
      assert.equal(args(users.at(-1)!), 'node');
      const cmdLine = find('CMD').at(-1)!.getRange().start.line;
      assert.ok(users.at(-1)!.getRange().start.line < cmdLine, 'USER comes before CMD');
    });

    test('puts no secret into a layer: no secret-looking ENV or ARG, no .env copied, and .dockerignore keeps .env out', () => {
      for (const stage of all) {
        for (const instruction of stage) {
          const keyword = instruction.getKeyword();
          if (keyword === 'ENV')
            for (const p of (instruction as Env).getProperties()) assert.doesNotMatch(p.getName(), SECRET_NAME, `ENV ${p.getName()}`);
          if (keyword === 'ARG') assert.doesNotMatch(args(instruction).split('=')[0]!, SECRET_NAME, `ARG ${args(instruction)}`);
          if (keyword === 'COPY' || keyword === 'ADD')
            assert.doesNotMatch(args(instruction), /(^|\s|\/)\.env(\s|$)/, `${keyword} ${args(instruction)}`);
        }
      }
      assert.ok(ignored.includes('.env') && ignored.includes('**/node_modules'), '.dockerignore excludes .env and node_modules');
      assert.ok(ignored.includes('.dev'), '.dockerignore excludes .dev (the development signing key)');
    });

    test('copies only files that exist and that .dockerignore lets through', () => {
      for (const stage of all) {
        for (const copy of stage.filter((i) => i.getKeyword() === 'COPY' && !(i as Copy).getFromFlag())) {
          const sources = args(copy).split(/\s+/).slice(0, -1);
          for (const source of sources) {
            assert.ok(existsSync(join(REPO_ROOT, source)), `${source} exists`);
            const path = source.replace(/\/$/, '');
            const folder = path.split('/')[0]!;
            const excluded =
              ignored.includes(path) || ignored.includes(folder) || (ignored.includes(`${folder}/*`) && !ignored.includes(`!${path}`));
            assert.ok(!excluded, `${source} is in the build context`);
          }
        }
      }
    });

    test('runs node directly in exec form, on an entry point built from a source file', () => {
      const cmd = find('CMD');
      assert.equal(cmd.length, 1);
      const argv = jsonForm(cmd[0]!);
      assert.ok(argv, 'CMD is in exec (JSON) form so signals reach node');
      assert.equal(argv[0], 'node');
      assert.equal(argv[1], image.serves ? 'dist/main.js' : 'dist/cli.js');
      assert.ok(existsSync(join(REPO_ROOT, sourceOfEntry(image.workspace, argv[1]!))));
      assert.equal(find('ENTRYPOINT').length, 0, 'no ENTRYPOINT wrapper of our own');
    });

    for (const extra of image.alsoShips ?? []) {
      test(`ships the ${extra} workspace: built, its production dependencies installed, its dist copied`, () => {
        assert.ok(
          all[0]!.some((i) => i.getKeyword() === 'RUN' && new RegExp(`tsc -b [^&]*\\b${extra}\\b`).test(args(i))),
          `build stage compiles ${extra}`,
        );
        const install = find('RUN').find((i) => /\bnpm ci\b/.test(args(i)))!;
        assert.ok(
          args(install)
            .split(/\s+/)
            .join(' ')
            .includes(`--workspace ${packageName(extra)}`),
          `installs ${packageName(extra)}`,
        );
        assert.ok(
          find('COPY').some((c) => (c as Copy).getFromFlag()?.getValue() === 'build' && args(c).endsWith(` ${extra}/dist`)),
          `copies ${extra}/dist`,
        );
      });
    }

    if (image.serves) {
      const serves = image.serves;
      test('builds its web app in the build stage and ships the static files where the service serves them from', () => {
        const app = `${image.workspace}/web`;
        assert.ok(existsSync(join(REPO_ROOT, app, 'package.json')), `${app} is a workspace`);
        const build = all[0]!.filter((i) => i.getKeyword() === 'RUN' && /\bnode scripts\/build-web\.mjs\b/.test(args(i)));
        assert.equal(build.length, 1, 'the build stage runs scripts/build-web.mjs');
        const named = args(build[0]!)
          .match(/build-web\.mjs((?:\s+[\w/-]+\/web)*)/)![1]!
          .trim()
          .split(/\s+/)
          .filter(Boolean);
        assert.ok(named.length === 0 || named.includes(app), `build-web.mjs builds ${app}`);
        const copies = find('COPY')
          .filter((c) => (c as Copy).getFromFlag()?.getValue() === 'build')
          .map((c) => args(c).split(/\s+/).slice(-2).join(' '));
        assert.ok(copies.includes(`/app/${app}/dist ${app}/dist`), `the runtime image has ${app}/dist`);
        // The static module resolves ../../web/dist from dist/web/, i.e. <workspace>/web/dist.
        const staticModule = readRepoFile(`${image.workspace}/src/web/${serves.service === 'main' ? 'storefront' : 'console'}.static.ts`);
        assert.match(staticModule, /path\.resolve\(__dirname, '\.\.\/\.\.\/web\/dist'\)/);
      });

      test('checks its health on the liveness route, on the port the code listens on by default', () => {
        const checks = find('HEALTHCHECK');
        assert.equal(checks.length, 1);
        const text = args(checks[0]!);
        const argv = JSON.parse(text.slice(text.indexOf('CMD') + 3).trim()) as string[];
        assert.deepEqual(argv.slice(0, 2), ['node', '-e'], 'node probes: the slim image has no wget or curl');
        assert.match(argv[2]!, /process\.env\.PORT/, 'the probe follows PORT when it is set');
        const url = new URL(argv.at(-1)!);
        assert.equal(url.pathname, '/livez');
        assert.ok(servedPaths(serves.service).has(url.pathname));
        const port = defaultPort(serves.program, 'PORT');
        assert.equal(Number(url.port), port);
        assert.ok(
          find('EXPOSE').some((e) => args(e).split(/\s+/).includes(String(port))),
          `EXPOSE ${port}`,
        );
      });
    } else {
      test('is a one-shot job: HEALTHCHECK NONE', () => {
        assert.deepEqual(find('HEALTHCHECK').map(args), ['NONE']);
      });
    }
  });
}
