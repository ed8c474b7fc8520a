// 6. The observability tax: scenario 2's load with tracing on at 10% sampling, as a ratio to the
// same load with tracing off, each on freshly started services, back to back. Metrics are on in
// both runs: the services have no switch for them (every process serves /metrics), so this ratio
// is the cost of tracing on top of metrics. The bench switches tracing only with the standard
// OTEL_* variables the services read (packages/shared/src/observability/tracing.ts) and runs a
// local OTLP sink so the exporters do their real work.
import { startOtlpSink } from '../lib/otlp-sink.mjs';
import { likesSpread } from './2-likes.mjs';
import { atLeast, noErrors } from '../lib/verdicts.mjs';

/** Tracing off whatever else is set: the SDK is not even loaded. */
const TRACING_OFF = { OTEL_SDK_DISABLED: 'true' };

async function exposesMetrics(services) {
  const res = await fetch(`${services.mainUrl}/metrics`).catch(() => undefined);
  const text = res ? await res.text() : '';
  return Boolean(res?.ok && /^# (HELP|TYPE) /m.test(text));
}

export async function observabilityTax(ctx) {
  const sink = await startOtlpSink();
  const tracingOn = {
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.1',
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
  };
  try {
    await ctx.stopServices();
    const offServices = await ctx.startServices({ label: 'obs-off', extraEnv: TRACING_OFF });
    if (!(await exposesMetrics(offServices))) throw new Error('main serves no metrics at /metrics');
    const off = await likesSpread(ctx, { phase: '6-obs-off', services: offServices });
    await ctx.stopServices();
    const onServices = await ctx.startServices({ label: 'obs-on', extraEnv: tracingOn });
    const traced = await likesSpread(ctx, { phase: '6-obs-on', services: onServices });
    const scrape = await fetch(`${onServices.mainUrl}/metrics`)
      .then((r) => r.text())
      .catch(() => '');
    await ctx.stopServices();
    if (sink.counts.requests === 0) throw new Error('tracing was switched on but no span reached the OTLP sink');
    return {
      ...traced,
      ratio: traced.rps / off.rps,
      ratioTo: 'same load, tracing off (metrics on in both)',
      checks: [atLeast('throughput, tracing 10% vs off', traced.rps / off.rps, 0.85, 'x'), noErrors(traced)],
      extra: { offRps: off.rps, offP99Ms: off.p99Ms, otlpExports: { ...sink.counts }, metricsBytes: scrape.length },
    };
  } finally {
    await sink.close();
  }
}
