import { execFile } from 'node:child_process';
import amqplib from 'amqplib';
import { assertTopology, brokerPermissions, topologyFor, type ConsumerName } from './topology';

export interface BrokerUser {
  name: string;
  password: string;
}

export interface ProvisionOptions {
  /** A broker account that may declare (the broker's administrator; guest locally). */
  adminUrl: string;
  namespace: string;
  deliveryLimit: number;
  users: Record<ConsumerName, BrokerUser>;
  vhost?: string;
  /** The rabbitmqctl executable (it must reach the node: root or the rabbitmq user on its host). */
  rabbitmqctl?: string;
}

/**
 * The broker's counterpart of migrations, run by `npm run setup` (and once per deploy): declares
 * the whole topology with an administrator account, then gives each service a user of its own
 * with only the permissions of `brokerPermissions`. Safe to run again.
 */
export async function provisionBroker(options: ProvisionOptions): Promise<void> {
  const connection = await amqplib.connect(options.adminUrl);
  try {
    const channel = await connection.createConfirmChannel();
    await assertTopology(channel, topologyFor(options.namespace), { deliveryLimit: options.deliveryLimit });
    await channel.close();
  } finally {
    await connection.close();
  }
  const ctl = rabbitmqctl(options.rabbitmqctl ?? 'rabbitmqctl');
  const vhost = options.vhost ?? '/';
  for (const service of ['main', 'admin'] as const) {
    const user = options.users[service];
    const existing = await ctl(['list_users', '--silent']);
    // The password goes on stdin, never on the command line where `ps` would show it.
    if (existing.split('\n').some((line) => line.split('\t')[0] === user.name)) await ctl(['change_password', user.name], user.password);
    else await ctl(['add_user', user.name], user.password);
    const { configure, write, read } = brokerPermissions(options.namespace, service);
    await ctl(['set_permissions', '-p', vhost, user.name, configure, write, read]);
  }
}

/** Removes a broker user (tests clean up after themselves). */
export async function removeBrokerUser(name: string, executable = 'rabbitmqctl'): Promise<void> {
  await rabbitmqctl(executable)(['delete_user', name]);
}

function rabbitmqctl(executable: string) {
  return (args: string[], stdin?: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = execFile(executable, args, { timeout: 60_000 }, (err, stdout) => {
        // The error names the command, never the password (it was on stdin).
        if (err) reject(new Error(`${executable} ${args[0]} failed: ${err.message.split('\n')[0]}`));
        else resolve(stdout);
      });
      child.stdin?.end(stdin ?? '');
    });
}
