import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { context, ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace';
import { IngressSampler, samplingPolicyFrom } from './sampling';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const withParent = (sampled: boolean, isRemote: boolean): Context =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: 'b7ad6b7169203331',
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote,
  });
const decide = (sampler: IngressSampler, ctx: Context, kind: SpanKind) =>
  sampler.shouldSample(ctx, TRACE_ID, 'span', kind, {}, []).decision;

describe('IngressSampler: a caller from the internet cannot choose what we trace', () => {
  test("an incoming request's sampled flag is ignored: at 10% a flood of forced requests is traced about 10% of the time", () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const sampler = new IngressSampler(
      samplingPolicyFrom({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }),
      random,
    );
    let sampled = 0;
    for (let i = 0; i < 10_000; i++)
      if (decide(sampler, withParent(true, true), SpanKind.SERVER) === SamplingDecision.RECORD_AND_SAMPLED) sampled++;
    assert.ok(sampled > 800 && sampled < 1200, `${sampled} of 10000 forced requests traced`);
  });

  test('at a ratio of 0 no forced request is traced, and the trace id the caller picked does not matter', () => {
    const sampler = new IngressSampler(
      samplingPolicyFrom({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }),
    );
    for (const traceId of ['00000000000000000000000000000001', TRACE_ID, 'ffffffffffffffffffffffffffffffff']) {
      const ctx = trace.setSpanContext(ROOT_CONTEXT, {
        traceId,
        spanId: 'b7ad6b7169203331',
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      });
      assert.equal(sampler.shouldSample(ctx, traceId, 'GET', SpanKind.SERVER, {}, []).decision, SamplingDecision.NOT_RECORD);
    }
  });

  test("a caller's 'not sampled' does not hide its request when we trace everything", () => {
    const sampler = new IngressSampler(samplingPolicyFrom({}));
    assert.equal(decide(sampler, withParent(false, true), SpanKind.SERVER), SamplingDecision.RECORD_AND_SAMPLED);
  });

  test("messages between our services (CONSUMER spans) and local children follow their parent's decision", () => {
    const sampler = new IngressSampler(
      samplingPolicyFrom({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }),
    );
    assert.equal(decide(sampler, withParent(true, true), SpanKind.CONSUMER), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide(sampler, withParent(false, true), SpanKind.CONSUMER), SamplingDecision.NOT_RECORD);
    assert.equal(decide(sampler, withParent(true, false), SpanKind.CLIENT), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide(sampler, withParent(false, false), SpanKind.INTERNAL), SamplingDecision.NOT_RECORD);
  });

  test('a request is admitted (or not) before any span work, once: its SERVER span takes that decision without drawing again', () => {
    let draws = 0;
    let next = 0.05;
    const random = () => {
      draws++;
      return next;
    };
    const sampler = new IngressSampler(
      samplingPolicyFrom({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }),
      random,
    );
    assert.equal(sampler.admitRequest(), true);
    next = 0.99; // a second draw would refuse it
    assert.equal(decide(sampler, withParent(false, true), SpanKind.SERVER), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(draws, 1);
    assert.equal(sampler.admitRequest(), false, 'at 10%, a draw of 0.99 is not traced');
    assert.equal(new IngressSampler(samplingPolicyFrom({ OTEL_TRACES_SAMPLER: 'always_off' })).admitRequest(), false);
    assert.equal(new IngressSampler(samplingPolicyFrom({})).admitRequest(), true);
  });

  test('a trace that starts here is decided by the configured sampler', () => {
    assert.equal(
      decide(new IngressSampler(samplingPolicyFrom({ OTEL_TRACES_SAMPLER: 'always_off' })), context.active(), SpanKind.SERVER),
      SamplingDecision.NOT_RECORD,
    );
    assert.equal(decide(new IngressSampler(samplingPolicyFrom({})), ROOT_CONTEXT, SpanKind.SERVER), SamplingDecision.RECORD_AND_SAMPLED);
    assert.deepEqual(samplingPolicyFrom({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }), {
      root: 0.25,
      parentBased: true,
    });
  });
});
