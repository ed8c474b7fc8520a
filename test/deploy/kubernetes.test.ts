import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { loadAdminConfig } from '@catalogue/admin-service/dist/config';
import { loadMainConfig } from '@catalogue/main-service/dist/config';
import { mainApiDocument } from '@catalogue/main-service/dist/http/openapi';
import { adminApiDocument } from '@catalogue/admin-service/dist/openapi';
import { loadProvisionConfig } from '@catalogue/migrations';
import { amqpNamespaceVar, queueOf, topologyFor } from '@catalogue/shared';
import { defaultPort, REPO_ROOT, servedPaths, sourceOfEntry, type Program } from './support/code-facts';
import { unknownEnvNames } from './support/env-check';
import { readRepoFile, readYaml } from './support/files';
import { routeOf, type Ingress } from './support/ingress';
import { containerEnv, kustomize, podTemplate, validateSchema, type Container, type KubeObject } from './support/kube';

const OVERLAYS = readdirSync(join(REPO_ROOT, 'deploy/k8s/overlays'));
const WORKLOADS: Record<string, { program: 'main' | 'admin'; workspace: string; portVar: 'PORT' | 'OPS_PORT'; api: boolean }> = {
  'main-service': { program: 'main', workspace: 'main-service', portVar: 'PORT', api: true },
  'main-consumer': { program: 'main', workspace: 'main-service', portVar: 'OPS_PORT', api: false },
  'admin-service': { program: 'admin', workspace: 'admin-service', portVar: 'PORT', api: true },
  'admin-consumer': { program: 'admin', workspace: 'admin-service', portVar: 'OPS_PORT', api: false },
};
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|RABBITMQ_URL|REDIS_URL|DB_USER$/;
/** Stand-ins for what the referenced Secrets hold, shaped as the config expects. */
const SECRET_STAND_INS: Record<string, string> = {
  username: 'catalogue',
  password: 'stand-in-password',
  url: 'amqp://catalogue:stand-in@rabbitmq:5672',
  secret: 'a-stand-in-signing-key-of-32-chars-or-more',
  // Shaped like the snapshot-reader credential main is given (production refuses a staff token there).
  token: 'eyJhbGciOiJub25lIn0.eyJyb2xlIjoic25hcHNob3QtcmVhZGVyIiwic3ViIjoibWFpbi1zZXJ2aWNlIn0.',
  'private-key.pem': '-----BEGIN PRIVATE KEY-----\nstand-in\n-----END PRIVATE KEY-----\n',
  'extra-public-keys.pem': '-----BEGIN PUBLIC KEY-----\nstand-in\n-----END PUBLIC KEY-----\n',
  // Keyed by Secret and key where a key name means something else elsewhere.
  'catalogue-redis/url': 'rediss://:stand-in@redis:6380',
};

const INGRESS_COMPONENT = 'deploy/k8s/components/ingress-nginx';
const NGINX = 'nginx.ingress.kubernetes.io';
/** ingress-nginx's own default read, send and connect timeouts (60 s): what "ordinary" means here. */
const ORDINARY_TIMEOUT_SECONDS = 60;
/** The live stream, the one long-lived response (main's OpenAPI document lists it; checked below). */
const STREAM_PATH = '/api/products/stream';
/** The files a built web app is made of, relative to its dist folder; index.html is served as the page itself. */
const builtFiles = (dist: string) => {
  const files = readdirSync(join(REPO_ROOT, dist), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name !== 'index.html')
    .map((entry) => relative(join(REPO_ROOT, dist), join(entry.parentPath, entry.name)));
  assert.ok(files.length > 0, `${dist} is built (npm run build)`);
  return files;
};

const documentedPaths = (document: { paths?: object }) => Object.keys(document.paths ?? {});

const byKind = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: KubeObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name} is rendered`);
  return found;
};
const onlyContainer = (object: KubeObject): Container => {
  const containers = podTemplate(object).spec.containers;
  assert.equal(containers.length, 1, `${object.metadata.name} has one container`);
  return containers[0]!;
};
const standIn = (reference: string) => {
  const value = SECRET_STAND_INS[reference.slice('secret:'.length)] ?? SECRET_STAND_INS[reference.split('/')[1]!];
  assert.ok(value !== undefined, `a stand-in for ${reference}`);
  return value;
};
const withStandIns = (env: Map<string, string>) =>
  Object.fromEntries([...env].map(([key, value]) => [key, value.startsWith('secret:') ? standIn(value) : value]));
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

for (const overlay of OVERLAYS) {
  describe(`kubernetes overlay ${overlay}`, () => {
    const objects = kustomize(`deploy/k8s/overlays/${overlay}`);

    test('renders offline and every object passes its Kubernetes or Prometheus Operator schema', async () => {
      assert.ok(objects.length > 0);
      for (const object of objects) await assert.doesNotReject(validateSchema(object), `${object.kind} ${object.metadata.name}`);
    });

    test(`puts everything in the namespace catalogue-${overlay}`, () => {
      for (const object of objects)
        assert.equal(object.metadata.namespace, `catalogue-${overlay}`, `${object.kind} ${object.metadata.name}`);
    });

    test('embeds no Secret; credentials come from secretKeyRef only', () => {
      assert.deepEqual(byKind(objects, 'Secret'), []);
      for (const workload of [...byKind(objects, 'Deployment'), ...byKind(objects, 'Job')]) {
        for (const container of podTemplate(workload).spec.containers) {
          for (const variable of container.env ?? []) {
            if (SECRET_NAME.test(variable.name))
              assert.ok(variable.valueFrom?.secretKeyRef, `${workload.metadata.name}: ${variable.name} from a Secret`);
          }
        }
      }
      for (const map of byKind(objects, 'ConfigMap')) {
        for (const key of Object.keys((map as { data?: object }).data ?? {}))
          assert.doesNotMatch(key, SECRET_NAME, `${map.metadata.name}: ${key} is no secret`);
      }
    });

    test('runs each API and each consumer as its own Deployment, consumers from the API image', () => {
      assert.deepEqual(
        byKind(objects, 'Deployment')
          .map((d) => d.metadata.name)
          .sort(),
        Object.keys(WORKLOADS).sort(),
      );
      for (const [name, facts] of Object.entries(WORKLOADS)) {
        const container = onlyContainer(named(objects, 'Deployment', name));
        assert.equal(container.image, `catalogue/${facts.workspace}:${overlay}`);
        if (!facts.api) {
          assert.deepEqual(container.args, ['node', 'dist/consumer.js']);
          assert.ok(existsSync(join(REPO_ROOT, sourceOfEntry(facts.workspace, container.args[1]!))));
        } else {
          assert.equal(container.args, undefined, 'the API runs the image CMD');
        }
      }
    });

    test('gives each container only variables its code reads', () => {
      for (const [name, facts] of Object.entries(WORKLOADS)) {
        const env = containerEnv(onlyContainer(named(objects, 'Deployment', name)), objects);
        assert.deepEqual(unknownEnvNames(facts.program as Program, env.keys()), [], name);
      }
      const migrate = containerEnv(onlyContainer(named(objects, 'Job', 'catalogue-migrate')), objects);
      assert.deepEqual(unknownEnvNames('migrate', migrate.keys()), []);
      for (const required of ['MIGRATION_DB_HOST', 'MIGRATION_DB_USER', 'MIGRATION_DB_PASSWORD'])
        assert.ok(migrate.has(required), required);
      const provision = containerEnv(onlyContainer(named(objects, 'Job', 'catalogue-provision')), objects);
      assert.deepEqual(unknownEnvNames('provision', provision.keys()), []);
    });

    test('each config validates with the rendered environment, and the API listens on its container port', () => {
      for (const [name, facts] of Object.entries(WORKLOADS)) {
        const container = onlyContainer(named(objects, 'Deployment', name));
        const env = withStandIns(containerEnv(container, objects));
        const config =
          facts.program === 'main'
            ? loadMainConfig(facts.api ? env : { ...env, RUN_HTTP: 'false' })
            : loadAdminConfig(facts.api ? env : { ...env, RUN_HTTP: 'false' });
        assert.equal(config.NODE_ENV, 'production');
        if (facts.api) {
          assert.equal(config.RUN_CONSUMER, false, `${name} leaves consuming to its consumer Deployment`);
          assert.equal(
            container.ports?.find((p) => p.name === 'http')?.containerPort,
            config.PORT,
            `${name} listens on its container port`,
          );
        } else {
          assert.equal(
            String(container.ports?.find((p) => p.name === 'ops')?.containerPort),
            env.OPS_PORT,
            `${name}: ops port is OPS_PORT`,
          );
          assert.equal(Number(env.OPS_PORT), defaultPort(facts.program, 'OPS_PORT'), `${name}: OPS_PORT is the code's default`);
        }
      }
    });

    test('production settings: per-service broker users without declare rights, admin signs with a key from a Secret, main verifies with the JWKS admin serves', () => {
      const envOf = (name: string) => containerEnv(onlyContainer(named(objects, 'Deployment', name)), objects);
      const brokerSecrets = new Map<string, string>();
      for (const [name, facts] of Object.entries(WORKLOADS)) {
        const env = envOf(name);
        assert.match(env.get('RABBITMQ_URL') ?? '', /^secret:/, `${name}: RABBITMQ_URL from a Secret`);
        brokerSecrets.set(name, env.get('RABBITMQ_URL')!.split('/')[0]!);
        assert.equal(env.get('AMQP_DECLARE_TOPOLOGY'), 'false', `${name}: the provisioning step declares the topology`);
        if (facts.program === 'admin' && facts.api)
          assert.match(env.get('JWT_PRIVATE_KEY') ?? '', /^secret:/, `${name}: JWT_PRIVATE_KEY from a Secret`);
        // A consumer signs nothing: it must not hold the token-signing key.
        if (facts.program === 'admin' && !facts.api)
          assert.ok(!env.has('JWT_PRIVATE_KEY') && !env.has('JWT_PRIVATE_KEY_SECRET_ID'), `${name}: no signing key`);
        if (facts.program === 'main') {
          for (const other of ['JWT_PUBLIC_KEY', 'JWT_SECRET']) assert.ok(!env.has(other), `${name}: no ${other} next to the JWKS`);
          const jwks = new URL(env.get('JWT_JWKS_URL') ?? 'http://missing');
          assert.equal(jwks.pathname, '/.well-known/jwks.json');
          assert.ok(servedPaths('admin').has(jwks.pathname), 'admin serves the JWKS');
          const admin = named(objects, 'Service', jwks.hostname);
          const ports = (admin.spec as { ports: { port: number }[] }).ports.map((p) => p.port);
          assert.ok(ports.includes(Number(jwks.port)), `${jwks.hostname} has port ${jwks.port}`);
          assert.equal(podTemplate(named(objects, 'Deployment', jwks.hostname)).metadata.labels['app.kubernetes.io/name'], 'admin-service');
        }
      }
      assert.equal(brokerSecrets.get('main-service'), brokerSecrets.get('main-consumer'));
      assert.equal(brokerSecrets.get('admin-service'), brokerSecrets.get('admin-consumer'));
      assert.notEqual(brokerSecrets.get('main-service'), brokerSecrets.get('admin-service'), 'main and admin are different broker users');
      assert.match(envOf('main-service').get('ADMIN_TOKEN') ?? '', /^secret:/, 'main-service: ADMIN_TOKEN (resync) from a Secret');
    });

    test("client addresses: each API trusts the ingress's hop alone, and main and admin share the one Secret that proves the address main forwards", () => {
      for (const name of ['main-service', 'admin-service']) {
        const env = containerEnv(onlyContainer(named(objects, 'Deployment', name)), objects);
        // Admin's console traffic passes the ingress alone; a second trusted hop would be the client's own writing.
        assert.equal(env.get('TRUST_PROXY_HOPS'), '1', `${name} trusts one proxy hop`);
        assert.equal(
          env.get('CLIENT_ADDRESS_SECRET'),
          'secret:catalogue-client-address/secret',
          `${name}: CLIENT_ADDRESS_SECRET from the shared Secret`,
        );
      }
    });

    test('probes follow the Kubernetes convention: readiness on /readyz and liveness on /livez, on a named port of the container, served by the code', () => {
      for (const [name, facts] of Object.entries(WORKLOADS)) {
        const container = onlyContainer(named(objects, 'Deployment', name));
        const portNames = new Set(container.ports?.map((p) => p.name));
        const paths = servedPaths(facts.program);
        for (const [probe, path] of [
          ['readinessProbe', '/readyz'],
          ['livenessProbe', '/livez'],
        ] as const) {
          const get = container[probe]?.httpGet;
          assert.ok(get, `${name} has a ${probe}`);
          assert.equal(get.path, path);
          assert.ok(paths.has(get.path), `${name}: ${get.path} is served`);
          assert.ok(portNames.has(String(get.port)), `${name}: ${probe} port ${get.port} is a container port`);
        }
      }
    });

    test('every container has CPU and memory requests and limits', () => {
      for (const workload of [...byKind(objects, 'Deployment'), ...byKind(objects, 'Job')]) {
        for (const container of podTemplate(workload).spec.containers) {
          for (const kind of ['requests', 'limits'] as const) {
            assert.ok(container.resources?.[kind]?.cpu && container.resources[kind].memory, `${workload.metadata.name}: ${kind}`);
          }
        }
      }
    });

    test('Services select a Deployment and target ports its container declares', () => {
      for (const service of byKind(objects, 'Service')) {
        const spec = service.spec as { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] };
        const targets = byKind(objects, 'Deployment').filter((d) => matches(spec.selector, podTemplate(d).metadata.labels));
        assert.equal(targets.length, 1, `${service.metadata.name} selects one Deployment`);
        const ports = onlyContainer(targets[0]!).ports ?? [];
        for (const port of spec.ports) {
          const target = ports.find((p) => p.name === port.targetPort);
          assert.ok(target, `${service.metadata.name}: ${port.targetPort} exists`);
          assert.equal(port.port, target.containerPort);
        }
      }
    });

    test('every Deployment has an autoscaler and a disruption budget', () => {
      for (const deployment of byKind(objects, 'Deployment')) {
        const hpa = byKind(objects, 'HorizontalPodAutoscaler').find(
          (h) => (h.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef.name === deployment.metadata.name,
        );
        assert.ok(hpa, `${deployment.metadata.name} has an HPA`);
        const spec = hpa.spec as { minReplicas: number; maxReplicas: number };
        assert.ok(spec.minReplicas >= 1 && spec.minReplicas <= spec.maxReplicas);
        const labels = podTemplate(deployment).metadata.labels;
        const pdb = byKind(objects, 'PodDisruptionBudget').find((p) =>
          matches((p.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, labels),
        );
        assert.ok(pdb, `${deployment.metadata.name} has a PDB`);
      }
    });

    test('runs migrations as a Job of the migrations image, never from the services', () => {
      const job = named(objects, 'Job', 'catalogue-migrate');
      const container = onlyContainer(job);
      assert.equal(container.image, `catalogue/migrations:${overlay}`);
      assert.deepEqual(container.args, ['node', 'dist/cli.js']);
      assert.ok(existsSync(join(REPO_ROOT, sourceOfEntry('migrations', 'dist/cli.js'))));
      assert.equal(job.metadata.labels?.['app.kubernetes.io/component'], 'migration', 'the pipeline applies it alone by this label');
      for (const map of byKind(objects, 'ConfigMap'))
        assert.equal(map.metadata.labels?.['app.kubernetes.io/component'], 'config', 'the pipeline applies ConfigMaps with the Job');
    });

    test('provisions before anything else: a Job of the migrations image running dist/provision.js in production mode, labelled for the pipeline to apply it alone', () => {
      const job = named(objects, 'Job', 'catalogue-provision');
      const container = onlyContainer(job);
      assert.equal(container.image, `catalogue/migrations:${overlay}`);
      assert.deepEqual(container.args, ['node', 'dist/provision.js']);
      assert.ok(existsSync(join(REPO_ROOT, sourceOfEntry('migrations', 'dist/provision.js'))));
      assert.equal(job.metadata.labels?.['app.kubernetes.io/component'], 'provision', 'the pipeline applies it alone by this label');
      assert.equal(podTemplate(job).metadata.labels['app.kubernetes.io/component'], 'provision');
      const config = loadProvisionConfig(withStandIns(containerEnv(container, objects)));
      assert.equal(config.production, true, 'development passwords are refused and administrators have no default');
      assert.ok(config.database && config.broker, 'it provisions both the database and the broker');
      assert.equal(new URL(config.broker.management.url).port, '15672', "the broker's management API");
    });

    test('the provisioning Job makes exactly what the workloads connect as: the same Secrets, schemas, server and broker settings', () => {
      const provision = containerEnv(onlyContainer(named(objects, 'Job', 'catalogue-provision')), objects);
      const migrate = containerEnv(onlyContainer(named(objects, 'Job', 'catalogue-migrate')), objects);
      for (const [side, deployments] of [
        ['MAIN', ['main-service', 'main-consumer']],
        ['ADMIN', ['admin-service', 'admin-consumer']],
      ] as const) {
        for (const name of deployments) {
          const env = containerEnv(onlyContainer(named(objects, 'Deployment', name)), objects);
          assert.equal(provision.get(`${side}_DB_USER`), env.get('DB_USER'), `${name}: DB_USER`);
          assert.equal(provision.get(`${side}_DB_PASSWORD`), env.get('DB_PASSWORD'), `${name}: DB_PASSWORD`);
          assert.equal(provision.get(`${side}_DB_NAME`), env.get('DB_NAME'), `${name}: DB_NAME`);
          assert.equal(provision.get('MIGRATION_DB_HOST'), env.get('DB_HOST'), `${name}: the same database server`);
          assert.equal(
            provision.get(`${side}_RABBITMQ_URL`),
            env.get('RABBITMQ_URL'),
            `${name}: its broker user and password come from the Secret it connects with`,
          );
          for (const setting of ['AMQP_DELIVERY_LIMIT', 'AMQP_NAMESPACE'])
            assert.equal(provision.get(setting), env.get(setting), `${name}: ${setting}`);
        }
      }
      for (const name of ['MIGRATION_DB_USER', 'MIGRATION_DB_PASSWORD', 'MIGRATION_DB_HOST', 'MIGRATION_DB_PORT'])
        assert.equal(provision.get(name), migrate.get(name), `the migration Job's ${name}`);
      // The administrators' credentials reach the provisioning Job and nothing else.
      const adminSecrets = ['PROVISION_DB_USER', 'PROVISION_DB_PASSWORD', 'RABBITMQ_ADMIN_USER', 'RABBITMQ_ADMIN_PASSWORD'].map(
        (name) => provision.get(name)!.split('/')[0]!,
      );
      assert.ok(
        adminSecrets.every((ref) => ref.startsWith('secret:')),
        'administrators from Secrets',
      );
      for (const workload of [...byKind(objects, 'Deployment'), named(objects, 'Job', 'catalogue-migrate')]) {
        for (const value of containerEnv(onlyContainer(workload), objects).values()) {
          assert.ok(!adminSecrets.includes(value.split('/')[0]!), `${workload.metadata.name} gets no administrator's credentials`);
        }
      }
    });

    test("consumers' disruption budgets keep all but one running, and let a drain evict consumers left unready by a broker outage", () => {
      for (const name of ['main-consumer', 'admin-consumer']) {
        const spec = named(objects, 'PodDisruptionBudget', name).spec as {
          maxUnavailable: number;
          unhealthyPodEvictionPolicy?: string;
          selector: { matchLabels: Record<string, string> };
        };
        assert.equal(spec.maxUnavailable, 1);
        assert.equal(spec.unhealthyPodEvictionPolicy, 'AlwaysAllow');
        assert.ok(
          matches(spec.selector.matchLabels, podTemplate(named(objects, 'Deployment', name)).metadata.labels),
          `${name}'s budget selects its pods`,
        );
      }
    });

    test('with the optional KEDA component, each consumer scales on its own queue, read as its own broker user; the APIs keep their CPU autoscalers', async () => {
      const withKeda = renderWithComponent(`deploy/k8s/overlays/${overlay}`, 'deploy/k8s/components/keda', `catalogue-${overlay}`);
      for (const object of withKeda) await assert.doesNotReject(validateSchema(object), `${object.kind} ${object.metadata.name}`);
      const autoscaled = byKind(withKeda, 'HorizontalPodAutoscaler').map(
        (h) => (h.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name,
      );
      assert.deepEqual(autoscaled.sort(), ['admin-service', 'main-service'], 'no second autoscaler on a consumer');
      for (const [name, consumer] of [
        ['main-consumer', 'main'],
        ['admin-consumer', 'admin'],
      ] as const) {
        const scaled = named(withKeda, 'ScaledObject', name);
        const spec = scaled.spec as {
          scaleTargetRef: { name: string };
          minReplicaCount: number;
          maxReplicaCount: number;
          triggers: { type: string; metadata: Record<string, string>; authenticationRef?: { name: string } }[];
        };
        assert.equal(scaled.metadata.namespace, `catalogue-${overlay}`);
        assert.equal(spec.scaleTargetRef.name, name);
        assert.equal(named(withKeda, 'Deployment', spec.scaleTargetRef.name).kind, 'Deployment');
        assert.ok(spec.minReplicaCount >= 1 && spec.minReplicaCount <= spec.maxReplicaCount);
        const env = containerEnv(onlyContainer(named(withKeda, 'Deployment', name)), withKeda);
        const rabbitmq = spec.triggers.find((t) => t.type === 'rabbitmq');
        assert.ok(rabbitmq?.authenticationRef, `${name} has a rabbitmq trigger with credentials`);
        const topology = topologyFor(amqpNamespaceVar.parse(env.get('AMQP_NAMESPACE')));
        assert.equal(rabbitmq.metadata.queueName, queueOf(topology, consumer), 'the queue the consumer reads');
        assert.equal(rabbitmq.metadata.mode, 'QueueLength');
        assert.ok(Number(rabbitmq.metadata.value) > 0);
        const auth = named(withKeda, 'TriggerAuthentication', rabbitmq.authenticationRef.name).spec as {
          secretTargetRef: { parameter: string; name: string; key: string }[];
        };
        const host = auth.secretTargetRef.find((r) => r.parameter === 'host');
        assert.equal(
          `secret:${host?.name}/${host?.key}`,
          env.get('RABBITMQ_URL'),
          `${name}: KEDA reads the queue as the consumer's own broker user`,
        );
        assert.ok(named(withKeda, 'PodDisruptionBudget', name));
      }
    });

    describe('with the optional ingress-nginx component', () => {
      const withIngress = renderWithComponent(`deploy/k8s/overlays/${overlay}`, INGRESS_COMPONENT, `catalogue-${overlay}`);
      const ingresses = byKind(withIngress, 'Ingress') as Ingress[];
      const ingressNamed = (name: string) => named(ingresses, 'Ingress', name) as Ingress;
      const hostOf = (name: string) => ingressNamed(name).spec.rules[0]!.host;
      const mainHost = hostOf('main-service');
      const adminHost = hostOf('admin-service');

      test('every object passes its schema; three Ingresses of class nginx, each host sent to its own API on a port its Service has, under TLS', async () => {
        for (const object of withIngress) await assert.doesNotReject(validateSchema(object), `${object.kind} ${object.metadata.name}`);
        assert.deepEqual(ingresses.map((i) => i.metadata.name).sort(), ['admin-service', 'main-service', 'main-service-stream']);
        assert.equal(hostOf('main-service-stream'), mainHost, 'the stream is on the storefront host');
        assert.notEqual(mainHost, adminHost);
        const apiOfHost = new Map([
          [mainHost, 'main-service'],
          [adminHost, 'admin-service'],
        ]);
        for (const ingress of ingresses) {
          const name = ingress.metadata.name;
          assert.equal(ingress.metadata.namespace, `catalogue-${overlay}`, name);
          assert.equal(ingress.spec.ingressClassName, 'nginx', name);
          const tlsHosts = new Set(ingress.spec.tls?.flatMap((t) => t.hosts) ?? []);
          for (const rule of ingress.spec.rules) {
            assert.ok(tlsHosts.has(rule.host), `${name}: ${rule.host} is served over TLS`);
            for (const path of rule.http.paths) {
              const backend = path.backend.service;
              assert.equal(backend.name, apiOfHost.get(rule.host), `${name}: ${rule.host}${path.path} goes to its API`);
              const service = named(withIngress, 'Service', backend.name);
              const ports = (service.spec as { ports: { name?: string; port: number }[] }).ports;
              assert.ok(
                ports.some((p) => (backend.port.name !== undefined ? p.name === backend.port.name : p.port === backend.port.number)),
                `${name}: Service ${backend.name} has port ${backend.port.name ?? backend.port.number}`,
              );
              const selector = (service.spec as { selector: Record<string, string> }).selector;
              assert.ok(
                matches(selector, podTemplate(named(withIngress, 'Deployment', backend.name)).metadata.labels),
                `${backend.name} selects its API's pods`,
              );
            }
          }
        }
      });

      test('the stream alone is unbuffered with read and send timeouts far above the heartbeat; every other path keeps the ordinary ones', () => {
        const main = withStandIns(containerEnv(onlyContainer(named(withIngress, 'Deployment', 'main-service')), withIngress));
        const heartbeatSeconds = loadMainConfig(main).LIVE_HEARTBEAT_SECONDS;
        assert.ok(documentedPaths(mainApiDocument()).includes(STREAM_PATH), `main serves ${STREAM_PATH}`);
        const stream = routeOf(ingresses, mainHost, STREAM_PATH);
        assert.equal(stream?.ingress.metadata.name, 'main-service-stream', 'the stream has an Ingress of its own');
        assert.equal(stream.path.pathType, 'Exact');
        const annotations = stream.ingress.metadata.annotations ?? {};
        assert.equal(annotations[`${NGINX}/proxy-buffering`], 'off');
        for (const timeout of ['proxy-read-timeout', 'proxy-send-timeout']) {
          assert.ok(
            Number(annotations[`${NGINX}/${timeout}`]) >= 10 * heartbeatSeconds,
            `${timeout} is at least ten heartbeats (${heartbeatSeconds} s each)`,
          );
        }
        for (const ingress of ingresses.filter((i) => i !== stream.ingress)) {
          const own = ingress.metadata.annotations ?? {};
          assert.notEqual(own[`${NGINX}/proxy-buffering`], 'off', `${ingress.metadata.name} buffers`);
          for (const timeout of ['proxy-read-timeout', 'proxy-send-timeout', 'proxy-connect-timeout']) {
            const value = own[`${NGINX}/${timeout}`];
            assert.ok(
              value === undefined || Number(value) <= ORDINARY_TIMEOUT_SECONDS,
              `${ingress.metadata.name}: ${timeout} ${value} is ordinary`,
            );
          }
        }
        for (const neighbour of ['/api/products', '/api/products/7', '/api/products/7/like', '/api/products/stream/x']) {
          assert.equal(
            routeOf(ingresses, mainHost, neighbour)?.ingress.metadata.name,
            'main-service',
            `${neighbour} keeps the ordinary timeouts`,
          );
        }
      });

      test('routes the pages, their files and the APIs, never the probes, /metrics, /internal or the JWKS', () => {
        for (const ingress of ingresses) {
          for (const path of ingress.spec.rules.flatMap((r) => r.http.paths)) {
            assert.ok(
              !(path.pathType === 'Prefix' && path.path.replace(/\/+$/, '') === ''),
              `${ingress.metadata.name}: a Prefix / would route everything`,
            );
            assert.notEqual(
              path.pathType,
              'ImplementationSpecific',
              `${ingress.metadata.name}: ${path.path} matches as the controller likes`,
            );
          }
        }
        // Each service's OpenAPI document lists every path it answers, probes and internal ones included.
        const documented = { main: mainApiDocument(), admin: adminApiDocument() };
        for (const [service, host, api] of [
          ['main', mainHost, 'main-service'],
          ['admin', adminHost, 'admin-service'],
        ] as const) {
          const paths = documentedPaths(documented[service]).map((p) => p.replace(/\{[^}]+\}/g, '7'));
          for (const forbidden of ['/metrics', '/livez', '/readyz', '/ready'])
            assert.ok(paths.includes(forbidden), `${service} documents ${forbidden}`);
          assert.ok(
            paths.some((p) => p.startsWith('/internal/')),
            `${service} documents its internal routes`,
          );
          for (const path of paths) {
            const route = routeOf(ingresses, host, path);
            if (/^\/(?:api|flask\/api)\//.test(path))
              assert.equal(route?.path.backend.service.name, api, `${host}${path} is routed to ${api}`);
            else assert.equal(route, undefined, `${host}${path} stays inside the cluster`);
          }
        }
        assert.equal(routeOf(ingresses, mainHost, '/metrics/x'), undefined);
        assert.equal(routeOf(ingresses, mainHost, '/internal/products/7/likes'), undefined);
        // The pages and every file they load.
        const routedTo = (host: string, path: string) => routeOf(ingresses, host, path)?.path.backend.service.name;
        assert.equal(routedTo(mainHost, '/'), 'main-service');
        assert.equal(routedTo(mainHost, '/api/docs/'), 'main-service');
        for (const file of builtFiles('main-service/web/dist'))
          assert.equal(routedTo(mainHost, `/${file}`), 'main-service', `the storefront's ${file}`);
        for (const page of ['/admin', '/admin/', '/admin/products/3/edit']) assert.equal(routedTo(adminHost, page), 'admin-service', page);
        for (const file of builtFiles('admin-service/web/dist'))
          assert.equal(routedTo(adminHost, `/admin/${file}`), 'admin-service', `the console's ${file}`);
        assert.equal(routeOf(ingresses, adminHost, '/'), undefined);
      });

      test("the host patch the component documents moves every Ingress to the overlay's hosts", () => {
        const patches = readRepoFile(`${INGRESS_COMPONENT}/kustomization.yaml`)
          .split('\n')
          .filter((line) => line.startsWith('#   '))
          .map((line) => line.slice(4))
          .join('\n');
        assert.match(patches, /^patches:/);
        const patched = byKind(
          renderWithComponent(`deploy/k8s/overlays/${overlay}`, INGRESS_COMPONENT, `catalogue-${overlay}`, patches),
          'Ingress',
        ) as Ingress[];
        const hosts = (i: Ingress) => [...i.spec.rules.map((r) => r.host), ...(i.spec.tls ?? []).flatMap((t) => t.hosts)];
        assert.equal(patched.length, ingresses.length);
        for (const ingress of patched) {
          const expected = ingress.metadata.labels?.['catalogue/host'] === 'admin' ? 'admin.example.org' : 'shop.example.org';
          assert.deepEqual(new Set(hosts(ingress)), new Set([expected]), ingress.metadata.name);
        }
      });
    });

    test('the ServiceMonitor scrapes /metrics on ports the Services name', () => {
      const monitor = named(objects, 'ServiceMonitor', 'catalogue');
      const spec = monitor.spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
      const services = byKind(objects, 'Service').filter((s) => matches(spec.selector.matchLabels, s.metadata.labels ?? {}));
      assert.equal(services.length, 4);
      const portNames = new Set(services.flatMap((s) => (s.spec as { ports: { name: string }[] }).ports.map((p) => p.name)));
      for (const endpoint of spec.endpoints) {
        assert.ok(portNames.has(endpoint.port), `a Service names port ${endpoint.port}`);
        const served = servedPaths('main').has(endpoint.path) && servedPaths('admin').has(endpoint.path);
        assert.ok(served, `${endpoint.path} is served`);
      }
    });

    test("the ServiceMonitor's jobs are compose's (catalogue-api, catalogue-consumer), so the alert rules' job matchers fit both", () => {
      const monitor = named(objects, 'ServiceMonitor', 'catalogue');
      const spec = monitor.spec as {
        jobLabel?: string;
        selector: { matchLabels: Record<string, string> };
        endpoints: { honorLabels?: boolean }[];
      };
      const services = byKind(objects, 'Service').filter((s) => matches(spec.selector.matchLabels, s.metadata.labels ?? {}));
      // The Operator names a job after the Service's jobLabel label when it has one, else after the Service.
      const jobs = services.map((s) => (spec.jobLabel ? s.metadata.labels?.[spec.jobLabel] : undefined) ?? s.metadata.name);
      const compose = (readYaml<{ scrape_configs: { job_name: string }[] }>('deploy/prometheus/prometheus.yml').scrape_configs ?? []).map(
        (c) => c.job_name,
      );
      assert.deepEqual([...new Set(jobs)].sort(), [...new Set(compose)].sort());
      const rules = readRepoFile('deploy/prometheus/alerts.yml');
      const matchers = [...rules.matchAll(/job=~"([^"]+)"/g)].map((m) => new RegExp(`^(?:${m[1]})$`));
      assert.ok(matchers.length > 0, 'the rules match on job');
      for (const job of jobs) for (const matcher of matchers) assert.match(job, matcher);
      // Our own `service` label (main, admin) must survive the Operator's target label of the same name.
      for (const endpoint of spec.endpoints) assert.equal(endpoint.honorLabels, true);
    });

    test('the PrometheusRule carries exactly the alert rules of deploy/prometheus/alerts.yml', () => {
      const rule = named(objects, 'PrometheusRule', 'catalogue');
      assert.deepEqual((rule.spec as { groups: unknown }).groups, readYaml<{ groups: unknown }>('deploy/prometheus/alerts.yml').groups);
    });
  });
}

describe('scripts/k8s-release.sh', () => {
  const release = (...args: string[]) => spawnSync('bash', ['scripts/k8s-release.sh', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

  test('renders an overlay with the release images from the registry and tag given', () => {
    const out = mkdtempSync(join(tmpdir(), 'release-'));
    try {
      const run = release('qat', 'registry.example.com/catalogue', '1a2b3c4d5e6f', out);
      assert.equal(run.status, 0, run.stderr);
      const objects = kustomize(run.stdout.trim());
      const images = [...byKind(objects, 'Deployment'), ...byKind(objects, 'Job')].map((o) => onlyContainer(o).image);
      assert.deepEqual(
        [...new Set(images)].sort(),
        ['main-service', 'admin-service', 'migrations'].map((i) => `registry.example.com/catalogue/${i}:1a2b3c4d5e6f`).sort(),
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test('refuses an unknown overlay and a malformed tag', () => {
    assert.equal(release('qa', 'registry.example.com/catalogue', '1.0').status, 2);
    assert.equal(release('staging', 'registry.example.com/catalogue', '1.0').status, 2, 'staging became qat');
    assert.equal(release('qat', 'registry.example.com/catalogue', 'bad tag;rm').status, 2);
  });
});

/** An overlay with a component added, as an operator would add it: rendered from a throwaway kustomization. */
function renderWithComponent(overlayDir: string, componentDir: string, namespace: string, extra = '') {
  const dir = mkdtempSync(join(tmpdir(), 'component-'));
  try {
    const rel = (path: string) => relative(dir, join(REPO_ROOT, path));
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ${namespace}\nresources:\n  - ${rel(overlayDir)}\ncomponents:\n  - ${rel(componentDir)}\n${extra}`,
    );
    return kustomize(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('deploy/k8s/rabbitmq', () => {
  test('describes a 3-node cluster whose quorum queues heal back to 3 replicas, with a PDB keeping the majority', async () => {
    const objects = kustomize('deploy/k8s/rabbitmq');
    const cluster = named(objects, 'RabbitmqCluster', 'rabbitmq');
    const spec = cluster.spec as { replicas: number; rabbitmq: { additionalConfig: string } };
    assert.equal(spec.replicas, 3);
    for (const line of [
      'cluster_partition_handling = pause_minority',
      'quorum_queue.continuous_membership_reconciliation.target_group_size = 3',
    ]) {
      assert.ok(spec.rabbitmq.additionalConfig.includes(line), line);
    }
    const pdb = named(objects, 'PodDisruptionBudget', 'rabbitmq');
    await validateSchema(pdb);
    assert.equal((pdb.spec as { maxUnavailable: number }).maxUnavailable, 1);
  });
});
