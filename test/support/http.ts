import type { AddressInfo } from 'node:net';
import { request as httpRequest, type Server } from 'node:http';
import { contractProblem } from './response-check';
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

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * One HTTP request from a chosen loopback address (127.0.0.x: every one reaches this machine), so
 * a proxy or a service in front sees distinct clients; a hang fails the test after 10 s. The
 * answer is checked against the service's OpenAPI document, as supertest's are.
 */
export function callFrom(
  url: string,
  options: { method?: string; token?: string; body?: unknown; from?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: options.method ?? 'GET',
        localAddress: options.from ?? '127.0.0.1',
        headers: {
          ...options.headers,
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => {
          const answer = { status: res.statusCode ?? 0, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
          contractProblem(undefined, url, {
            method: options.method ?? 'GET',
            status: answer.status,
            contentType: res.headers['content-type'],
            text,
          }).then((problem) => (problem ? reject(new Error(problem)) : resolve(answer)), reject);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within 10 s: ${options.method ?? 'GET'} ${url}`)));
    req.on('error', reject);
    req.end(payload);
  });
}
