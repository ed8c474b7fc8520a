import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { SystemUnderTest } from './system';

export interface ListeningSystem {
  mainUrl: string;
  adminUrl: string;
  close(): Promise<void>;
}

/** Puts both services of a system on ephemeral ports, for code that talks to them over HTTP. */
export async function listen(system: SystemUnderTest): Promise<ListeningSystem> {
  const mainServer: Server = await new Promise((resolve) => {
    const server = system.main.app.listen(0, '127.0.0.1', () => resolve(server));
  });
  const adminServer: Server = await system.admin.app.listen(0, '127.0.0.1');
  const url = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    mainUrl: url(mainServer),
    adminUrl: url(adminServer),
    async close() {
      mainServer.closeAllConnections();
      await new Promise((resolve) => mainServer.close(resolve));
    },
  };
}
