import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchContract, type Exchange, type ResponseContract } from './contract';

/**
 * Loaded into every test process by scripts/run-tests.mjs (`--require`): every answer a test
 * receives through supertest (or callFrom) is checked against the OpenAPI document of the service
 * that gave it, which that service serves itself at /api/openapi.json. An answer whose status the
 * document does not list, or whose JSON body does not match its schema, fails the request as an
 * unmet expectation would, so no API test has to ask for the check.
 */

type Checked = Promise<ResponseContract | null>;
const byApp = new WeakMap<RequestListener, Checked>();
const byOrigin = new Map<string, Checked>();

/** The contract of the app behind a server: asked of the app itself once, on a port of its own. */
function contractOfApp(app: RequestListener): Checked {
  let contract = byApp.get(app);
  if (!contract) {
    contract = (async () => {
      const server: Server = createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        return await fetchContract(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    })();
    byApp.set(app, contract);
  }
  return contract;
}

function contractOfOrigin(origin: string): Checked {
  let contract = byOrigin.get(origin);
  if (!contract) {
    contract = fetchContract(origin);
    byOrigin.set(origin, contract);
  }
  return contract;
}

/** The problem with an answer from `target` (an app, a server or a URL), by its service's document. */
export async function contractProblem(target: unknown, url: string, exchange: Omit<Exchange, 'path'>): Promise<string | undefined> {
  const { pathname, search, origin } = new URL(url);
  if (pathname === '/api/openapi.json') return undefined;
  const app = appBehind(target);
  const contract = await (app ? contractOfApp(app) : contractOfOrigin(origin));
  return contract?.problemWith({ ...exchange, path: `${pathname}${search}` }) ?? undefined;
}

function appBehind(target: unknown): RequestListener | undefined {
  if (typeof target === 'function') return target as RequestListener;
  const listeners = (target as Server | undefined)?.listeners?.('request');
  return listeners?.length === 1 ? (listeners[0] as RequestListener) : undefined;
}

interface SupertestTest {
  app: unknown;
  url: string;
  method: string;
  assert(error: Error | null, res: SupertestResponse | undefined, fn?: (err: Error | null, res: unknown) => void): void;
}
interface SupertestResponse {
  status: number;
  headers: Record<string, string | undefined>;
  text?: string;
}

/** Marks the patched prototype (a symbol any test can look for without loading this module). */
export const INSTALLED = Symbol.for('catalogue.responseContractCheck');

/** Patches supertest's Test: after its own expectations pass, the answer is checked against the document. */
export function installResponseCheck(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Test = require('supertest/lib/test.js') as { prototype: SupertestTest & { [INSTALLED]?: true } };
  if (Test.prototype[INSTALLED]) return;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the Test as `this`
  const original = Test.prototype.assert;
  Test.prototype.assert = function (this: SupertestTest, error, res, fn) {
    original.call(this, error, res, (err, result) => {
      if (err || !res || !fn) return fn?.(err, result);
      contractProblem(this.app, this.url, {
        method: this.method,
        status: res.status,
        contentType: res.headers['content-type'],
        text: res.text ?? '',
      }).then(
        (problem) => fn(problem ? new Error(problem) : null, result),
        (failure: unknown) => fn(failure instanceof Error ? failure : new Error(String(failure)), result),
      );
    });
  };
  Test.prototype[INSTALLED] = true;
}

installResponseCheck();
