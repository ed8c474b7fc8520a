import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { freePort } from '../../faults/harness/servers';

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port below the kernel's ephemeral range, for a server that a fault kills and starts
 * again on the same port: a port from the ephemeral range (what `freePort()` returns) may meanwhile
 * become the local end of some other process's outgoing connection, and the restart could not
 * bind it. Below the range, only another listener could take it.
 */
export async function stablePort(): Promise<number> {
  const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  if (!(low > 11_000)) return freePort();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = randomInt(10_000, low);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port found below ${low}`);
}
