import { generateKeyPairSync } from 'node:crypto';
import { TokensService } from '@catalogue/admin-service/dist/auth/tokens.service';
import { loadSigningKey } from '@catalogue/admin-service/dist/auth/signing-key';
import { fixedKeys } from '@catalogue/admin-service/dist/auth/signing-keys';
import { loadAdminConfig } from '@catalogue/admin-service/dist/config';
import { createLogger } from '@catalogue/shared';

/**
 * A signing key for every admin process of a test (so tokens outlive the restarts its faults
 * cause) and a staff token signed with it, for the workload's admin writes and main's resync.
 */
export async function staffCredentials(): Promise<{ signingKey: string; staffToken: string }> {
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const tokenConfig = loadAdminConfig({ NODE_ENV: 'test', DB_USER: 'unused', DB_PASSWORD: '', JWT_PRIVATE_KEY: signingKey });
  const tokens = new TokensService(
    fixedKeys(await loadSigningKey(tokenConfig, createLogger({ service: 'faults', level: 'silent' }))),
    tokenConfig,
  );
  return { signingKey, staffToken: (await tokens.issue('fault-tests', 'staff', 86_400)).token };
}
