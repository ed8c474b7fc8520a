import path from 'node:path';
import { once } from 'node:events';
import { ROOT, startChild } from './processes.mjs';

/** Starts the fault proxy child in front of the broker; returns its URL and a mode switch. */
export async function startBrokerProxy(brokerUrl) {
  const target = new URL(brokerUrl);
  const proxy = startChild('fault-proxy', path.join(ROOT, 'bench', 'servers', 'fault-proxy.mjs'), {
    env: { TARGET_HOST: target.hostname, TARGET_PORT: target.port || '5672' },
    ipc: true,
  });
  const [{ listening }] = await once(proxy.child, 'message');
  const url = new URL(brokerUrl);
  url.hostname = '127.0.0.1';
  url.port = String(listening);
  return {
    url: url.toString(),
    async setMode(mode) {
      proxy.child.send({ mode });
      await once(proxy.child, 'message');
    },
    stop: () => proxy.stop(),
  };
}
