import { parseArgs } from 'node:util';
import { loadOpsConfig } from './config';
import { exitCodeOf, formatReport, reconcile } from './reconcile/reconcile';
import { ServicesClient } from './reconcile/services.client';

/** `npm run reconcile [-- --repair] [-- --json]`: compares main with admin and prints the drift. */
async function run(): Promise<number> {
  const { values } = parseArgs({
    options: { repair: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const config = loadOpsConfig(process.env, { broker: false });
  const client = new ServicesClient(config.MAIN_URL, config.ADMIN_URL, config.OPS_HTTP_TIMEOUT_MS, config.OPS_TOKEN);
  const report = await reconcile(client, { repair: values.repair });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report, values.repair));
  return exitCodeOf(report, values.repair);
}

run().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`reconcile failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
