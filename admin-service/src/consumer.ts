import './tracing'; // first: see tracing.ts
import { runAdmin } from './runtime';

// Admin's like consumer (and relay) as a process of its own, from the same code, to scale apart from the API.
runAdmin({ ...process.env, RUN_HTTP: 'false' }, 'admin-service consumer').catch((err: unknown) => {
  console.error(`admin-service consumer failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
