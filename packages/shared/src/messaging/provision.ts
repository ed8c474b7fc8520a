import { createHash } from 'node:crypto';
import { managementApi, apiSegment, type ManagementApi, type ManagementEndpoint } from './management-api';
import { brokerPermissions, topologyFor, topologyPlan, type ConsumerName, type TopologyOptions } from './topology';

/**
 * A user that provisioning makes sure exists. Its password is set when the user is created, and
 * changed on an existing user only when it was given explicitly: a development default
 * (`passwordIsDefault`) or no password at all never resets a password someone set.
 */
export interface ProvisionedUser {
  name: string;
  password?: string;
  passwordIsDefault?: boolean;
}

export type ProvisionAction = 'created' | 'updated' | 'unchanged';

/** One thing provisioning looked at, e.g. `{ what: 'queue main', action: 'created' }`. */
export interface ProvisionStep {
  what: string;
  action: ProvisionAction;
}

export interface BrokerProvisionOptions extends TopologyOptions {
  /** The management API as a broker administrator (the `administrator` tag). */
  management: ManagementEndpoint;
  /** Created when missing; `/` by default. */
  vhost?: string;
  namespace: string;
  users: Record<ConsumerName, ProvisionedUser>;
}

interface UserInfo {
  name: string;
  password_hash: string;
  hashing_algorithm: string;
  tags: string[] | string;
}
interface Permissions {
  configure: string;
  write: string;
  read: string;
}
interface ExchangeInfo {
  type: string;
  durable: boolean;
}
interface QueueInfo {
  durable: boolean;
  arguments: Record<string, unknown>;
}

/**
 * The broker's counterpart of migrations, over the management HTTP API (no shell on the broker's
 * node): makes sure the vhost exists, declares the whole topology of `topologyPlan`, and gives each
 * service a user of its own with only the permissions of `brokerPermissions`. Safe to run again:
 * what already matches is left alone and reported `unchanged`; an exchange or queue that exists
 * with other settings is an error (the broker cannot change them in place; a person decides).
 */
export async function provisionBroker(options: BrokerProvisionOptions): Promise<ProvisionStep[]> {
  const api = managementApi(options.management);
  const vhost = options.vhost ?? '/';
  const v = apiSegment(vhost);
  const steps: ProvisionStep[] = [];

  if (await api.get(`/api/vhosts/${v}`)) {
    steps.push({ what: `vhost ${vhost}`, action: 'unchanged' });
  } else {
    await api.put(`/api/vhosts/${v}`, {});
    steps.push({ what: `vhost ${vhost}`, action: 'created' });
  }
  // Declaring through the API is done with the administrator's own permissions on the vhost.
  const adminUser = options.management.username;
  if (!(await api.get(`/api/permissions/${v}/${apiSegment(adminUser)}`))) {
    await api.put(`/api/permissions/${v}/${apiSegment(adminUser)}`, { configure: '.*', write: '.*', read: '.*' });
    steps.push({ what: `permissions of ${adminUser} on ${vhost}`, action: 'created' });
  }

  const plan = topologyPlan(topologyFor(options.namespace), options);
  for (const exchange of plan.exchanges) {
    const path = `/api/exchanges/${v}/${apiSegment(exchange.name)}`;
    const existing = await api.get<ExchangeInfo>(path);
    if (existing) {
      if (existing.type !== exchange.type || !existing.durable) {
        throw new Error(
          `exchange ${exchange.name} exists as a ${existing.durable ? 'durable' : 'transient'} ${existing.type} exchange, not a durable ${exchange.type} one: delete it or fix it by hand`,
        );
      }
      steps.push({ what: `exchange ${exchange.name}`, action: 'unchanged' });
    } else {
      await api.put(path, { type: exchange.type, durable: true, auto_delete: false, internal: false, arguments: {} });
      steps.push({ what: `exchange ${exchange.name}`, action: 'created' });
    }
  }
  for (const queue of plan.queues) {
    const path = `/api/queues/${v}/${apiSegment(queue.name)}`;
    const existing = await api.get<QueueInfo>(path);
    if (existing) {
      const differences = argumentDifferences(existing.arguments ?? {}, queue.arguments);
      if (differences.length > 0 || !existing.durable) {
        throw new Error(
          `queue ${queue.name} exists with other settings (${[...differences, ...(existing.durable ? [] : ['not durable'])].join('; ')}): a queue's arguments cannot change in place; drain and delete it, or keep the old settings`,
        );
      }
      steps.push({ what: `queue ${queue.name}`, action: 'unchanged' });
    } else {
      await api.put(path, { durable: true, auto_delete: false, arguments: queue.arguments });
      steps.push({ what: `queue ${queue.name}`, action: 'created' });
    }
  }
  for (const binding of plan.bindings) {
    const path = `/api/bindings/${v}/e/${apiSegment(binding.exchange)}/q/${apiSegment(binding.queue)}`;
    const existing = (await api.get<{ routing_key: string }[]>(path)) ?? [];
    const what = `binding ${binding.exchange} -[${binding.routingKey}]-> ${binding.queue}`;
    if (existing.some((b) => b.routing_key === binding.routingKey)) {
      steps.push({ what, action: 'unchanged' });
    } else {
      await api.post(path, { routing_key: binding.routingKey, arguments: {} });
      steps.push({ what, action: 'created' });
    }
  }

  for (const service of ['main', 'admin'] as const) {
    const user = options.users[service];
    steps.push({ what: `broker user ${user.name}`, action: await ensureUser(api, user) });
    const wanted = brokerPermissions(options.namespace, service);
    const path = `/api/permissions/${v}/${apiSegment(user.name)}`;
    const current = await api.get<Permissions>(path);
    const what = `permissions of ${user.name} on ${vhost}`;
    if (current && current.configure === wanted.configure && current.write === wanted.write && current.read === wanted.read) {
      steps.push({ what, action: 'unchanged' });
    } else {
      await api.put(path, wanted);
      steps.push({ what, action: current ? 'updated' : 'created' });
    }
  }
  return steps;
}

async function ensureUser(api: ManagementApi, user: ProvisionedUser): Promise<ProvisionAction> {
  const path = `/api/users/${apiSegment(user.name)}`;
  const existing = await api.get<UserInfo>(path);
  if (!existing) {
    if (!user.password) throw new Error(`broker user ${user.name} does not exist and no password was given to create it`);
    await api.put(path, { password: user.password, tags: '' });
    return 'created';
  }
  // An existing user keeps its password unless one was given on purpose, and keeps its tags.
  if (!user.password || user.passwordIsDefault || passwordMatches(existing, user.password)) return 'unchanged';
  const tags = Array.isArray(existing.tags) ? existing.tags.join(',') : existing.tags;
  await api.put(path, { password: user.password, tags });
  return 'updated';
}

/**
 * Whether a password is the one behind a stored RabbitMQ hash: base64 of a 4-byte salt followed by
 * the digest of salt + password (SHA-256 by default, SHA-512 or MD5 where configured). Lets a
 * re-run leave a matching password alone instead of rewriting it.
 */
export function passwordMatches(stored: { password_hash: string; hashing_algorithm: string }, password: string): boolean {
  const algorithm = {
    rabbit_password_hashing_sha256: 'sha256',
    rabbit_password_hashing_sha512: 'sha512',
    rabbit_password_hashing_md5: 'md5',
  }[stored.hashing_algorithm];
  const hash = Buffer.from(stored.password_hash ?? '', 'base64');
  if (!algorithm || hash.length <= 4) return false;
  const salt = hash.subarray(0, 4);
  return createHash(algorithm)
    .update(Buffer.concat([salt, Buffer.from(password, 'utf8')]))
    .digest()
    .equals(hash.subarray(4));
}

/** What differs between a queue's arguments and the wanted ones, with numbers compared as numbers. */
function argumentDifferences(actual: Record<string, unknown>, wanted: Record<string, string | number>): string[] {
  const keys = new Set([...Object.keys(actual), ...Object.keys(wanted)]);
  const text = (value: unknown) => (value == null ? '' : typeof value === 'string' ? value : JSON.stringify(value));
  return [...keys]
    .filter((key) => text(actual[key]) !== text(wanted[key]))
    .map((key) => `${key}: ${JSON.stringify(actual[key] ?? null)} instead of ${JSON.stringify(wanted[key] ?? null)}`);
}

/** Removes a broker user (tests clean up after themselves). */
export async function removeBrokerUser(management: ManagementEndpoint, name: string): Promise<void> {
  await managementApi(management).delete(`/api/users/${apiSegment(name)}`);
}
