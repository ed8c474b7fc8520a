import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from './support/code-facts';

/** A stand-in service answering the health routes with the given statuses. */
function healthServer(statuses: Record<string, number>): Promise<Server> {
  const server = createServer((req, res) => {
    res.statusCode = statuses[req.url ?? ''] ?? 404;
    res.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const base = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

function smoke(...urls: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['scripts/smoke.sh', ...urls], {
      cwd: REPO_ROOT,
      env: { ...process.env, SMOKE_ATTEMPTS: '2', SMOKE_DELAY_SECONDS: '0' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('scripts/smoke.sh', () => {
  let healthy: Server;
  let notReady: Server;
  before(async () => {
    healthy = await healthServer({ '/livez': 200, '/readyz': 200 });
    notReady = await healthServer({ '/livez': 200, '/readyz': 503 });
  });
  after(() => {
    healthy.close();
    notReady.close();
  });

  test('passes when every service answers 200 on liveness and readiness', async () => {
    const result = await smoke(base(healthy), `${base(healthy)}/`);
    assert.equal(result.code, 0, result.output);
    assert.equal(result.output.match(/^ok /gm)?.length, 4);
  });

  test('fails, naming the route, when one service is not ready', async () => {
    const result = await smoke(base(healthy), base(notReady));
    assert.equal(result.code, 1);
    assert.match(result.output, new RegExp(`FAIL ${base(notReady)}/readyz \\(last status 503\\)`));
  });

  test('refuses to run without a URL', async () => {
    assert.equal((await smoke()).code, 2);
  });
});
