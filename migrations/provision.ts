import { provisionBroker, type ProvisionStep } from '@catalogue/shared';
import { loadProvisionConfig } from './provisioning/config';
import { provisionDatabase } from './provisioning/database';

/**
 * `npm run provision` (`node dist/provision.js` in the migrations image; the Kubernetes Job
 * catalogue-provision, compose's `provision`): what a fresh release needs before anything else,
 * with no shell on the servers. The database half (schemas, run-time users, the migration user)
 * over SQL as the database administrator; the broker half (vhost, exchanges, quorum queues,
 * bindings, each service's user and permissions) over the management HTTP API as the broker
 * administrator. Idempotent. Order of a release: provision, then migrate, then the services.
 */
async function run(): Promise<void> {
  const config = loadProvisionConfig(process.env);
  const steps: ProvisionStep[] = [];
  if (config.database) steps.push(...(await provisionDatabase(config.database)));
  if (config.broker) steps.push(...(await provisionBroker(config.broker)));
  for (const step of steps) console.log(`provision: ${step.action.padEnd(9)} ${step.what}`);
  const count = (action: ProvisionStep['action']) => steps.filter((s) => s.action === action).length;
  console.log(`provision: done (${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged)`);
}

run().catch((err: unknown) => {
  console.error(`provision failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
