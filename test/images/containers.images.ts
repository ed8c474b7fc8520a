import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import { dropRuntimeUser } from '@catalogue/migrations';
import { removeBrokerUser } from '@catalogue/shared';
import {
  createTestNamespace,
  eventually,
  TEST_DB,
  TEST_RABBITMQ_MANAGEMENT,
  TEST_RABBITMQ_URL,
  uniqueName,
} from '@catalogue/shared/testing';
import { parseYamlDocuments, readRepoFile } from '../deploy/support/files';
import { freePort } from '../faults/harness/servers';
import { HARDENED, inside, logs, state, stopTimed, waitHealthy, type Inside } from './support/containers';
import { startEngine, type Engine } from './support/engine';
import { buildImages, ensureBase, imageRef, megabytes, type Base, type BuiltImage } from './support/images';

/**
 * The three images built from the Dockerfiles and run as Kubernetes runs them: provisioning and
 * migrations once, then both APIs and both consumers, on the host network against this machine's
 * MariaDB and RabbitMQ (schemas, database users, broker users and a broker namespace of their own,
 * free ports), non-root, read-only, without capabilities, each service as its own least-privilege
 * database and broker user. Then the end-to-end contract over HTTP, and a SIGTERM to each.
 */

type Role = 'main-service' | 'main-consumer' | 'admin-service' | 'admin-consumer';
const ROLES: Role[] = ['admin-service', 'main-service', 'admin-consumer', 'main-consumer'];
const APIS = new Set<Role>(['main-service', 'admin-service']);

interface K8sWorkload {
  kind: string;
  metadata: { name: string };
  spec?: { template?: { spec?: { terminationGracePeriodSeconds?: number; securityContext?: { runAsUser?: number } } } };
}
/** The grace period and user Kubernetes gives each workload (deploy/k8s/base/<name>.yaml). */
function kubernetesPod(role: Role): { graceSeconds: number; runAsUser: number } {
  const deployment = parseYamlDocuments<K8sWorkload>(readRepoFile(`deploy/k8s/base/${role}.yaml`)).find(
    (o) => o.kind === 'Deployment' && o.metadata.name === role,
  );
  const pod = deployment?.spec?.template?.spec;
  assert.ok(
    pod?.terminationGracePeriodSeconds && pod.securityContext?.runAsUser !== undefined,
    `deploy/k8s/base/${role}.yaml has a grace period and runAsUser`,
  );
  return { graceSeconds: pod.terminationGracePeriodSeconds, runAsUser: pod.securityContext.runAsUser };
}

const id = uniqueName('').slice(-10);
const containerName = (what: string) => `catalogue-images-${id}-${what}`;
const secret = () => randomBytes(12).toString('hex');
/** What provisioning makes, named for this run alone (the variables of `node dist/provision.js`). */
const settings = {
  MAIN_DB_NAME: `t_img_main_${id}`,
  MAIN_DB_USER: `ti_m_${id}`,
  MAIN_DB_PASSWORD: secret(),
  ADMIN_DB_NAME: `t_img_admin_${id}`,
  ADMIN_DB_USER: `ti_a_${id}`,
  ADMIN_DB_PASSWORD: secret(),
  MIGRATION_DB_USER: `ti_g_${id}`,
  MIGRATION_DB_PASSWORD: secret(),
  MAIN_BROKER_USER: `t_img_main_${id}`,
  MAIN_BROKER_PASSWORD: secret(),
  ADMIN_BROKER_USER: `t_img_admin_${id}`,
  ADMIN_BROKER_PASSWORD: secret(),
};
const namespace = createTestNamespace();
/** A service's broker URL: this machine's RabbitMQ as the service's own user. */
function brokerUrl(user: string, password: string): string {
  const url = new URL(TEST_RABBITMQ_URL);
  url.username = user;
  url.password = password;
  return url.toString();
}

let engine: Engine;
let base: Base;
let built: BuiltImage[] = [];
let provision: { code: number | null; output: string };
let migrate: { code: number | null; output: string };
let seed: { code: number | null; output: string };
const ports = { main: 0, admin: 0, mainOps: 0, adminOps: 0 };
const healthyAfterMs = new Map<Role, number>();
const started: string[] = [];
const mainUrl = () => `http://127.0.0.1:${ports.main}`;
const adminUrl = () => `http://127.0.0.1:${ports.admin}`;

const asFlags = (values: Record<string, string>) => Object.entries(values).flatMap(([k, v]) => ['--env', `${k}=${v}`]);

function environment(role: Role | 'provision' | 'migrate' | 'seed'): string[] {
  const database = {
    MIGRATION_DB_HOST: TEST_DB.host,
    MIGRATION_DB_PORT: String(TEST_DB.port),
    MAIN_DB_NAME: settings.MAIN_DB_NAME,
    ADMIN_DB_NAME: settings.ADMIN_DB_NAME,
  };
  if (role === 'provision') {
    return asFlags({
      ...settings,
      ...database,
      // Development mode only because this machine's MariaDB root has no password (production refuses an empty one).
      NODE_ENV: 'development',
      PROVISION_DB_USER: TEST_DB.user,
      PROVISION_DB_PASSWORD: TEST_DB.password,
      RABBITMQ_MANAGEMENT_URL: TEST_RABBITMQ_MANAGEMENT.url,
      RABBITMQ_ADMIN_USER: TEST_RABBITMQ_MANAGEMENT.username,
      RABBITMQ_ADMIN_PASSWORD: TEST_RABBITMQ_MANAGEMENT.password,
      AMQP_NAMESPACE: namespace.namespace,
    });
  }
  if (role === 'migrate')
    return asFlags({ ...database, MIGRATION_DB_USER: settings.MIGRATION_DB_USER, MIGRATION_DB_PASSWORD: settings.MIGRATION_DB_PASSWORD });
  const main = role === 'main-service' || role === 'main-consumer';
  const values: Record<string, string> = {
    // Production mode, as Kubernetes runs them; only the development seed needs development mode.
    NODE_ENV: role === 'seed' ? 'development' : 'production',
    LOG_LEVEL: 'info',
    DB_HOST: TEST_DB.host,
    DB_PORT: String(TEST_DB.port),
    DB_NAME: main ? settings.MAIN_DB_NAME : settings.ADMIN_DB_NAME,
    DB_USER: main ? settings.MAIN_DB_USER : settings.ADMIN_DB_USER,
    DB_PASSWORD: main ? settings.MAIN_DB_PASSWORD : settings.ADMIN_DB_PASSWORD,
    RABBITMQ_URL: main
      ? brokerUrl(settings.MAIN_BROKER_USER, settings.MAIN_BROKER_PASSWORD)
      : brokerUrl(settings.ADMIN_BROKER_USER, settings.ADMIN_BROKER_PASSWORD),
    AMQP_NAMESPACE: namespace.namespace,
    // Each service's own broker user may declare nothing: provisioning declared the topology.
    AMQP_DECLARE_TOPOLOGY: 'false',
  };
  // The APIs leave consuming to the consumer processes, as in compose and Kubernetes; main vouches
  // for the client address of the sign-ins it passes to admin with a secret both hold.
  if (role === 'main-service' || role === 'admin-service')
    Object.assign(values, { RUN_CONSUMER: 'false', CLIENT_ADDRESS_SECRET: clientAddressSecret });
  if (main) {
    Object.assign(values, { ADMIN_URL: adminUrl(), JWT_JWKS_URL: `${adminUrl()}/.well-known/jwks.json`, RESYNC_ON_EMPTY: 'false' });
  } else {
    Object.assign(values, { MAIN_URL: mainUrl(), JWT_PRIVATE_KEY: signingKey });
  }
  if (role === 'main-service') values.PORT = String(ports.main);
  if (role === 'admin-service') values.PORT = String(ports.admin);
  if (role === 'main-consumer') values.OPS_PORT = String(ports.mainOps);
  if (role === 'admin-consumer') values.OPS_PORT = String(ports.adminOps);
  return asFlags(values);
}
const clientAddressSecret = randomBytes(24).toString('hex');
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const imageOf = (role: Role) => imageRef(role.startsWith('main') ? 'main-service' : 'admin-service');
/** The consumers run the same image with another command; they answer probes on OPS_PORT, where compose and Kubernetes probe their readiness. */
function consumerProbe(role: Role): string[] {
  if (APIS.has(role)) return [];
  const port = role === 'main-consumer' ? ports.mainOps : ports.adminOps;
  return [
    '--health-cmd',
    `node -e "fetch('http://127.0.0.1:${port}/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"`,
    '--health-interval=10s',
    '--health-timeout=3s',
    '--health-retries=3',
  ];
}

async function startRole(role: Role): Promise<void> {
  const name = containerName(role);
  const command = APIS.has(role) ? [] : ['node', 'dist/consumer.js'];
  await engine.docker([
    'run',
    '--detach',
    `--name=${name}`,
    ...HARDENED,
    `--stop-timeout=${kubernetesPod(role).graceSeconds}`,
    ...consumerProbe(role),
    ...environment(role),
    imageOf(role),
    ...command,
  ]);
  started.push(name);
}

async function oneShot(what: 'provision' | 'migrate' | 'seed'): Promise<{ code: number | null; output: string }> {
  const name = containerName(what);
  started.push(name);
  const image = what === 'seed' ? imageRef('admin-service') : imageRef('migrations');
  const command = { provision: ['node', 'dist/provision.js'], migrate: [], seed: ['node', 'dist/seed.js'] }[what];
  const result = await engine.docker(['run', `--name=${name}`, ...HARDENED, ...environment(what), image, ...command], {
    check: false,
    timeoutMs: 300_000,
  });
  return { code: result.code, output: `${result.stdout}${result.stderr}` };
}

const json = async (res: Response) => (await res.json()) as Record<string, unknown>;
const signIn = (base: string, email: string, password: string) =>
  fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
async function tokenOf(base: string, email: string, password: string): Promise<string> {
  const res = await signIn(base, email, password);
  assert.equal(res.status, 200, `sign-in of ${email} at ${base}`);
  return (await json(res)).token as string;
}

before(async () => {
  engine = await startEngine();
  for (const name of [...ROLES, 'provision', 'migrate', 'seed'])
    await engine.docker(['rm', '--force', containerName(name)], { check: false });
  base = await ensureBase(engine);
  built = await buildImages(engine, base);

  ports.main = await freePort();
  ports.admin = await freePort();
  ports.mainOps = await freePort();
  ports.adminOps = await freePort();

  provision = await oneShot('provision');
  assert.equal(provision.code, 0, `provisioning exited ${provision.code}:\n${provision.output}`);
  migrate = await oneShot('migrate');
  assert.equal(migrate.code, 0, `migrations exited ${migrate.code}:\n${migrate.output}`);
  await startRole('admin-service');
  healthyAfterMs.set('admin-service', await waitHealthy(engine, containerName('admin-service')));
  seed = await oneShot('seed');
  assert.equal(seed.code, 0, `seed exited ${seed.code}:\n${seed.output}`);
  for (const role of ['main-service', 'admin-consumer', 'main-consumer'] as const) await startRole(role);
  for (const role of ['main-service', 'admin-consumer', 'main-consumer'] as const)
    healthyAfterMs.set(role, await waitHealthy(engine, containerName(role)));
});

after(async () => {
  if (engine) {
    for (const name of started) await engine.docker(['rm', '--force', name], { check: false });
    await engine.stop();
  }
  await namespace.cleanup().catch(() => undefined);
  for (const user of [settings.MAIN_BROKER_USER, settings.ADMIN_BROKER_USER])
    await removeBrokerUser(TEST_RABBITMQ_MANAGEMENT, user).catch(() => undefined);
  const root = await mysql.createConnection({ ...TEST_DB });
  try {
    for (const db of [settings.MAIN_DB_NAME, settings.ADMIN_DB_NAME]) await root.query(`DROP DATABASE IF EXISTS \`${db}\``);
    for (const user of [settings.MAIN_DB_USER, settings.ADMIN_DB_USER, settings.MIGRATION_DB_USER]) await dropRuntimeUser(root, user);
  } finally {
    await root.end();
  }
});

describe('the three images, built on this machine', () => {
  test('build from their Dockerfiles through the NODE_IMAGE argument', (t) => {
    t.diagnostic(`base image: ${base.image} (${base.how})`);
    assert.deepEqual(built.map((b) => b.name).sort(), ['admin-service', 'main-service', 'migrations']);
    for (const image of built) {
      assert.match(image.id, /^sha256:/);
      t.diagnostic(`${image.ref}: ${megabytes(image.sizeBytes)}, built in ${image.seconds} s`);
    }
  });

  test('the migrations image provisions (schemas, database and broker users, topology), then migrates as the migration user', (t) => {
    assert.equal(provision.code, 0);
    t.diagnostic(provision.output.trim().split('\n').at(-1)!);
    assert.match(provision.output, /provision: done/);
    assert.equal(migrate.code, 0);
    assert.match(migrate.output, /main .*applied/);
    assert.match(migrate.output, /admin .*applied/);
  });

  test("the admin image's seed creates the development users and the demo catalogue", () => {
    assert.equal(seed.code, 0);
    assert.match(seed.output, /admin users: \d+ created/);
    assert.match(seed.output, /demo catalogue: \d+ products created/);
  });
});

for (const role of ROLES) {
  describe(`${role} (${imageOf(role)}${APIS.has(role) ? '' : ', node dist/consumer.js'})`, () => {
    let seen: Inside;
    before(async () => {
      seen = await inside(engine, containerName(role));
    });

    test(APIS.has(role) ? "is healthy by the image's own HEALTHCHECK" : 'is healthy by its probe on OPS_PORT', (t) => {
      assert.ok(healthyAfterMs.has(role));
      t.diagnostic(`healthy ${(healthyAfterMs.get(role)! / 1000).toFixed(0)} s after start`);
    });

    test("runs as the image's non-root user, the uid Kubernetes' runAsUser names", () => {
      const uids = seen.pid1.uid.split(/\s+/);
      assert.ok(
        uids.every((uid) => uid === String(kubernetesPod(role).runAsUser)),
        `uid ${seen.pid1.uid}`,
      );
      assert.notEqual(uids[0], '0');
      assert.equal(seen.pid1.command[0], 'node', 'node is PID 1 (exec form), so it gets SIGTERM itself');
    });

    test('has a read-only root filesystem: only /tmp (tmpfs) takes writes', () => {
      assert.deepEqual(seen.writes, { '/app': 'EROFS', '/home/node': 'EROFS', '/etc': 'EROFS', '/tmp': 'written' });
    });

    test('holds no capability and may not gain privileges', () => {
      assert.equal(seen.pid1.capEff, '0000000000000000');
      assert.equal(seen.pid1.capBnd, '0000000000000000');
      assert.equal(seen.pid1.noNewPrivs, '1');
    });
  });
}

describe('the end-to-end contract, over HTTP against the containers', () => {
  let staff: string;
  let productId: number;

  test('staff sign in at admin; a wrong password is refused', async () => {
    staff = await tokenOf(adminUrl(), 'staff@example.com', 'staff-dev-password');
    const refused = await signIn(adminUrl(), 'staff@example.com', 'not-the-password');
    assert.equal(refused.status, 401);
    assert.equal((await json(refused)).code, 'invalid_credentials');
  });

  test('a product created in admin becomes visible in main', async () => {
    const created = await fetch(`${adminUrl()}/api/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${staff}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: `Lamp ${id}`, image: 'https://img.example/lamp.png' }),
    });
    assert.equal(created.status, 201);
    productId = (await json(created)).id as number;
    const inMain = await eventually(
      async () => {
        const res = await fetch(`${mainUrl()}/api/products/${productId}`);
        return res.status === 200 ? json(res) : undefined;
      },
      { timeoutMs: 30_000, what: 'the product in main' },
    );
    assert.equal(inMain.title, `Lamp ${id}`);
    assert.equal(inMain.likes, 0);
  });

  test("a customer signs in through main (the storefront's way) and likes it; admin counts it once", async () => {
    const alice = await tokenOf(mainUrl(), 'alice@example.com', 'alice-dev-password');
    const like = () =>
      fetch(`${mainUrl()}/api/products/${productId}/like`, { method: 'POST', headers: { authorization: `Bearer ${alice}` } });
    assert.equal((await like()).status, 200);
    assert.equal((await like()).status, 400, 'a second like by the same person is refused');
    const likes = await eventually(
      async () => {
        const res = await fetch(`${adminUrl()}/api/products/${productId}`, { headers: { authorization: `Bearer ${staff}` } });
        const body = await json(res);
        return body.likes === 1 ? body.likes : undefined;
      },
      { timeoutMs: 30_000, what: 'the like counted in admin' },
    );
    assert.equal(likes, 1);
  });

  test('the storefront and the console are served from the images', async () => {
    for (const url of [`${mainUrl()}/`, `${adminUrl()}/admin/`]) {
      const res = await fetch(url);
      assert.equal(res.status, 200, url);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    }
  });
});

describe('SIGTERM: each process drains and exits 0 within the grace period Kubernetes gives it', () => {
  // Consumers first, then the APIs, as a rollout would stop them.
  for (const role of ['main-consumer', 'admin-consumer', 'main-service', 'admin-service'] as const) {
    test(role, async (t) => {
      const { graceSeconds } = kubernetesPod(role);
      const stopped = await stopTimed(engine, containerName(role), graceSeconds);
      t.diagnostic(`exited ${stopped.exitCode} ${(stopped.ms / 1000).toFixed(1)} s after SIGTERM (grace ${graceSeconds} s)`);
      assert.equal(stopped.exitCode, 0, await logs(engine, containerName(role)));
      assert.ok(stopped.ms < graceSeconds * 1000, `stopped in ${stopped.ms} ms`);
      assert.equal((await state(engine, containerName(role))).Status, 'exited');
    });
  }
});
