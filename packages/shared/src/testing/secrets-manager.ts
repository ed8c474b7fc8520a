import http from 'node:http';
import type { AddressInfo } from 'node:net';

type Stage = 'AWSCURRENT' | 'AWSPENDING' | 'AWSPREVIOUS';

interface Version {
  id: string;
  value: string;
  stages: Set<Stage>;
}

export interface SecretsManagerCall {
  target: string | undefined;
  secretId: string;
  stage: string;
  /** SigV4-signed by the real client. */
  signed: boolean;
}

export interface LocalSecretsManager {
  endpoint: string;
  /** What a service needs to reach it (its SDK signs with any static credentials). */
  env: Record<string, string>;
  /**
   * Like PutSecretValue: a new version with this stage (AWSCURRENT by default). Moving AWSCURRENT
   * gives the old current version AWSPREVIOUS, as Secrets Manager does.
   */
  put(secretId: string, value: string, stage?: 'AWSCURRENT' | 'AWSPENDING'): void;
  /** Like the end of a rotation: AWSCURRENT moves to the AWSPENDING version; the old current becomes AWSPREVIOUS. */
  promotePending(secretId: string): void;
  /** Every GetSecretValue call so far. */
  readonly calls: SecretsManagerCall[];
  callsFor(secretId: string): number;
  /** Answer every call with an HTTP 500 (InternalServiceError) while true. */
  failing(on: boolean): void;
  close(): Promise<void>;
}

/**
 * A server speaking Secrets Manager's JSON protocol (GetSecretValue, with version stages), reached
 * through the SDK's endpoint override: the real client, its signing and parsing run; only AWS is
 * replaced.
 */
export async function startLocalSecretsManager(): Promise<LocalSecretsManager> {
  const secrets = new Map<string, Version[]>();
  const calls: SecretsManagerCall[] = [];
  let fail = false;
  let versions = 0;

  const moveStage = (list: Version[], stage: Stage, to: Version) => {
    for (const version of list) version.stages.delete(stage);
    to.stages.add(stage);
  };
  const makeCurrent = (list: Version[], to: Version) => {
    const old = list.find((version) => version.stages.has('AWSCURRENT'));
    if (old === to) return;
    if (old) moveStage(list, 'AWSPREVIOUS', old);
    moveStage(list, 'AWSCURRENT', to);
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const { SecretId, VersionStage } = JSON.parse(body) as { SecretId: string; VersionStage?: Stage };
      const stage = VersionStage ?? 'AWSCURRENT';
      calls.push({
        target: req.headers['x-amz-target'] as string | undefined,
        secretId: SecretId,
        stage,
        signed: String(req.headers.authorization).startsWith('AWS4-HMAC-SHA256'),
      });
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (fail) {
        res.statusCode = 500;
        res.end(JSON.stringify({ __type: 'InternalServiceError', message: 'local test failure' }));
        return;
      }
      const version = secrets.get(SecretId)?.find((v) => v.stages.has(stage));
      if (!version) {
        res.statusCode = 400;
        res.end(
          JSON.stringify({
            __type: 'ResourceNotFoundException',
            message: `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
          }),
        );
        return;
      }
      res.end(
        JSON.stringify({
          ARN: `arn:aws:secretsmanager:eu-west-1:000000000000:secret:${SecretId}`,
          Name: SecretId,
          SecretString: version.value,
          VersionId: version.id,
          VersionStages: [...version.stages],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
      AWS_SECRET_ACCESS_KEY: 'local-test-secret-key',
    },
    calls,
    put(secretId, value, stage = 'AWSCURRENT') {
      const list = secrets.get(secretId) ?? [];
      secrets.set(secretId, list);
      const version: Version = { id: `v${++versions}`, value, stages: new Set() };
      list.push(version);
      if (stage === 'AWSCURRENT') makeCurrent(list, version);
      else moveStage(list, stage, version);
    },
    promotePending(secretId) {
      const list = secrets.get(secretId) ?? [];
      const pending = list.find((version) => version.stages.has('AWSPENDING'));
      if (!pending) throw new Error(`${secretId} has no AWSPENDING version`);
      makeCurrent(list, pending);
      pending.stages.delete('AWSPENDING');
    },
    callsFor: (secretId) => calls.filter((call) => call.secretId === secretId).length,
    failing(on) {
      fail = on;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
