import { startInMemoryTracing } from '@catalogue/shared/tracing';

/**
 * Import this first in a test file: tracing must start before express, mysql2 and amqplib load,
 * exactly as each service's tracing.ts does in production, only exporting into memory.
 */
export const spans = startInMemoryTracing('e2e');
