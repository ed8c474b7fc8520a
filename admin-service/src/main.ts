import './tracing'; // first: see tracing.ts
import { runAdmin } from './runtime';

runAdmin(process.env, 'admin-service').catch((err: unknown) => {
  console.error(`admin-service failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
