// `npm run audit`: fails on any high or critical advisory in the production dependency tree
// (`npm audit --omit=dev --audit-level=high`). `.ci/run` runs it after the tests.
import { spawnSync } from 'node:child_process';
import { auditVerdict } from './audit-verdict.mjs';

const run = spawnSync('npm', ['audit', '--omit=dev', '--audit-level=high', '--json'], { encoding: 'utf8' });
// Some registry mirrors do not offer the audit endpoint: said loudly, and fatal with AUDIT_STRICT=true.
const { ok, lines } = auditVerdict(run.stdout, { strict: process.env.AUDIT_STRICT === 'true' });
for (const line of lines) (ok ? console.log : console.error)(line);
process.exit(ok ? 0 : 1);
