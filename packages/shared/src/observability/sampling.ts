import { SpanKind, TraceFlags, trace, isSpanContextValid, type Attributes, type Context, type Link } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace';

type Env = Record<string, string | undefined>;

/** What the standard OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG ask for, as our sampler reads it. */
export interface SamplingPolicy {
  /** How a trace that starts here is decided: always, never, or this share of traces. */
  root: 'always_on' | 'always_off' | number;
  /** `parentbased_*` (the default): a span follows its parent's decision, where the parent is trusted. */
  parentBased: boolean;
}

export function samplingPolicyFrom(env: Env): SamplingPolicy {
  const name = (env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on').trim().toLowerCase();
  const parentBased = name.startsWith('parentbased_');
  const kind = parentBased ? name.slice('parentbased_'.length) : name;
  if (kind === 'always_off') return { root: 'always_off', parentBased };
  if (kind === 'traceidratio') {
    const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG ?? 1);
    return { root: Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : 1, parentBased };
  }
  // always_on, and anything unknown (the SDK also falls back to its default).
  return { root: 'always_on', parentBased };
}

/**
 * Sampling that a caller from the internet cannot steer. A `traceparent` on an incoming HTTP
 * request (a SERVER span with a remote parent) is kept for its trace id, so a caller can still
 * find our part of its trace, but its sampled flag is ignored: the request is sampled at our own
 * rate, by a random draw rather than by the trace id, which the caller chose (a ratio decided on
 * the trace id could be forced by picking ids under the threshold). Messages between our own
 * services (CONSUMER spans from RabbitMQ, whose publishers are our services' broker users) and
 * spans with a local parent follow the parent, so a trace is never cut in the middle.
 */
export class IngressSampler implements Sampler {
  private readonly rootSampler: Sampler;
  /** The decision `admitRequest` just made, for the SERVER span the HTTP instrumentation starts next. */
  private admitted = false;

  constructor(
    private readonly policy: SamplingPolicy,
    private readonly random: () => number = Math.random,
  ) {
    const { root } = policy;
    this.rootSampler =
      root === 'always_on' ? new AlwaysOnSampler() : root === 'always_off' ? new AlwaysOffSampler() : new TraceIdRatioBasedSampler(root);
  }

  /**
   * Whether to trace an incoming request, asked by the HTTP instrumentation before it does any work
   * for it (tracing.ts): a request not admitted gets no span at all, not even a non-recording one,
   * so at 10% nine requests in ten pay one random draw. The same draw as for a SERVER span with a
   * caller's parent: neither the caller's flag nor its trace id decides. The instrumentation starts
   * the admitted request's span synchronously right after, and that span takes this decision
   * instead of drawing again.
   */
  admitRequest(): boolean {
    const admitted = this.ownDraw().decision === SamplingDecision.RECORD_AND_SAMPLED;
    this.admitted = admitted;
    return admitted;
  }

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    if (spanKind === SpanKind.SERVER && this.admitted) {
      this.admitted = false;
      return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    }
    const parent = trace.getSpanContext(context);
    if (!parent || !isSpanContextValid(parent))
      return this.rootSampler.shouldSample(context, traceId, spanName, spanKind, attributes, links);
    if (parent.isRemote && spanKind === SpanKind.SERVER) return this.ownDraw();
    if (!this.policy.parentBased) return this.rootSampler.shouldSample(context, traceId, spanName, spanKind, attributes, links);
    return { decision: (parent.traceFlags & TraceFlags.SAMPLED) !== 0 ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
  }

  private ownDraw(): SamplingResult {
    const { root } = this.policy;
    const sampled = root === 'always_on' ? true : root === 'always_off' ? false : this.random() < root;
    return { decision: sampled ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
  }

  toString(): string {
    return `IngressSampler{root=${String(this.policy.root)}, parentBased=${this.policy.parentBased}}`;
  }
}
