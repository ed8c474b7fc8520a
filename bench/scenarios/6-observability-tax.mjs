// 6. The observability tax: scenario 2's load with tracing at 10% sampling and metrics on, as a
// ratio to both off, each on freshly started services, back to back. Tracing and metrics belong to
// the services; the bench only switches them with the standard OTEL_* variables and runs a sink.
import { startOtlpSink } from '../lib/otlp-sink.mjs';
import { likesSpread } from './2-likes.mjs';

/** Settings that turn observability off; variables a build does not know are ignored by its config. */
const OFF = { OTEL_SDK_DISABLED: 'true', OTEL_TRACES_SAMPLER: 'always_off', METRICS_ENABLED: 'false' };

async function exposesMetrics(services) {
  const res = await fetch(`${services.mainUrl}/metrics`).catch(() => undefined);
  const text = res ? await res.text() : '';
  return Boolean(res?.ok && /^# (HELP|TYPE) /m.test(text));
}

export async function observabilityTax(ctx) {
  if (!(await exposesMetrics(ctx.services))) {
    return { skipped: 'n/a (no tracing in this build)', target: 0.85 };
  }
  const sink = await startOtlpSink();
  const on = {
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.1',
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
    OTEL_SERVICE_NAME: undefined,
  };
  try {
    await ctx.stopServices();
    const offServices = await ctx.startServices({ label: 'obs-off', extraEnv: OFF });
    const off = await likesSpread(ctx, { phase: '6-obs-off', services: offServices });
    await ctx.stopServices();
    const onServices = await ctx.startServices({ label: 'obs-on', extraEnv: Object.fromEntries(Object.entries(on).filter(([, v]) => v !== undefined)) });
    const traced = await likesSpread(ctx, { phase: '6-obs-on', services: onServices });
    const scrape = await fetch(`${onServices.mainUrl}/metrics`).then((r) => r.text()).catch(() => '');
    await ctx.stopServices();
    return {
      ...traced,
      ratio: traced.rps / off.rps,
      ratioTo: 'same load, tracing and metrics off',
      target: 0.85,
      extra: { offRps: off.rps, offP99Ms: off.p99Ms, otlpExports: { ...sink.counts }, metricsBytes: scrape.length },
    };
  } finally {
    await sink.close();
  }
}
