// The broker's stand-in for scenario 7: FaultProxy in its own process (so its forwarding doesn't
// compete with the load generator's event loop), switched by messages from the bench.
import { FaultProxy } from '@catalogue/shared/testing';

const [host, port] = [process.env.TARGET_HOST, Number(process.env.TARGET_PORT)];
const proxy = new FaultProxy(host, port);
const listening = await proxy.start();
process.send({ listening });
process.on('message', (message) => {
  proxy.setMode(message.mode);
  process.send({ mode: message.mode });
});
process.on('disconnect', () => {
  proxy.stop().then(() => process.exit(0));
});
process.on('SIGTERM', () => {
  proxy.stop().then(() => process.exit(0));
});
