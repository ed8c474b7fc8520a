import { startInMemoryTracing } from '@catalogue/shared/tracing';

/**
 * Import this first in a test file, like memory-tracing.ts, but sampling at a rate of 0: this
 * process starts no trace of its own, so whatever is recorded was sampled by someone else's decision.
 */
export const spans = startInMemoryTracing('unsampled', { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' });
