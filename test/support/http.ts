import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { SystemUnderTest } from './system';

export interface ListeningSystem {
  mainUrl: string;
  adminUrl: string;
  close(): Promise<void>;
}

/**
 * Puts main on an ephemeral port, for code that talks to both services over HTTP. Admin listens
 * already (startSystem starts it so main can fetch its JWKS), and the system closes it.
 */
export async function listen(system: SystemUnderTest): Promise<ListeningSystem> {
  const mainServer: Server = await new Promise((resolve) => {
    const server = system.main.app.listen(0, '127.0.0.1', () => resolve(server));
  });
  const adminServer = system.admin.http as Server;
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
