import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './code-facts';
import { parseYamlDocuments } from './files';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** `kubectl kustomize DIR`, offline: the manifests an apply would send. */
export function kustomize(dir: string): KubeObject[] {
  const run = spawnSync('kubectl', ['kustomize', dir], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${run.stderr}`);
  return parseYamlDocuments<KubeObject>(run.stdout);
}

type Validator = { validate(): void };
type Models = Record<string, (data: never) => Validator>;

// kubernetes-models ships ES modules only (no require condition), so it is imported dynamically.
async function loadModels(): Promise<Models> {
  const [apps, autoscaling, batch, core, networking, policy, monitoring, keda] = await Promise.all([
    import('kubernetes-models/apps/v1'),
    import('kubernetes-models/autoscaling/v2'),
    import('kubernetes-models/batch/v1'),
    import('kubernetes-models/v1'),
    import('kubernetes-models/networking.k8s.io/v1'),
    import('kubernetes-models/policy/v1'),
    import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'),
    import('@kubernetes-models/keda/keda.sh/v1alpha1'),
  ]);
  return {
    'apps/v1/Deployment': (d) => new apps.Deployment(d),
    'v1/Service': (d) => new core.Service(d),
    'v1/ConfigMap': (d) => new core.ConfigMap(d),
    'batch/v1/Job': (d) => new batch.Job(d),
    'autoscaling/v2/HorizontalPodAutoscaler': (d) => new autoscaling.HorizontalPodAutoscaler(d),
    'networking.k8s.io/v1/Ingress': (d) => new networking.Ingress(d),
    'policy/v1/PodDisruptionBudget': (d) => new policy.PodDisruptionBudget(d),
    'monitoring.coreos.com/v1/ServiceMonitor': (d) => new monitoring.ServiceMonitor(d),
    'monitoring.coreos.com/v1/PrometheusRule': (d) => new monitoring.PrometheusRule(d),
    // KEDA's CRD schemas (from its published CRDs, as @kubernetes-models/keda ships them).
    'keda.sh/v1alpha1/ScaledObject': (d) => new keda.ScaledObject(d),
    'keda.sh/v1alpha1/TriggerAuthentication': (d) => new keda.TriggerAuthentication(d),
  };
}
let models: Promise<Models> | undefined;

/** Validates an object against its Kubernetes (or Prometheus Operator, or KEDA) OpenAPI schema; rejects a kind it has no schema for. */
export async function validateSchema(object: KubeObject): Promise<void> {
  models ??= loadModels();
  const model = (await models)[`${object.apiVersion}/${object.kind}`];
  if (!model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  model(object as never).validate();
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
export interface Probe {
  httpGet?: { path: string; port: string | number };
}
export interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
export interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[] };
}

export const podTemplate = (object: KubeObject) => (object.spec as { template: PodTemplate }).template;

/** Every variable a container gets, by name; values from Secrets stay symbolic (`secret:NAME/KEY`). */
export function containerEnv(container: Container, objects: KubeObject[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const source of container.envFrom ?? []) {
    if (!source.configMapRef) throw new Error(`${container.name}: envFrom other than a ConfigMap`);
    const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === source.configMapRef!.name);
    if (!map) throw new Error(`${container.name}: ConfigMap ${source.configMapRef.name} is not rendered`);
    for (const [key, value] of Object.entries((map as { data?: Record<string, string> }).data ?? {})) env.set(key, value);
  }
  for (const variable of container.env ?? []) {
    const secret = variable.valueFrom?.secretKeyRef;
    env.set(variable.name, secret ? `secret:${secret.name}/${secret.key}` : (variable.value ?? ''));
  }
  return env;
}
