import type { Span, SpanStatus, Tracer } from '@opentelemetry/api';
import type { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';

/**
 * SQL as it may appear in a trace: every quoted string and every number replaced by `?`. Our
 * statements already carry their values as placeholders, and the mysql2 instrumentation is told
 * to record the statement unformatted (`maskStatement`), so this only catches a literal someone
 * writes into SQL text later; the same masking applies to the database's error messages, which
 * quote the offending value ("Duplicate entry 'alice@example.com' for key ...").
 */
export function maskSqlText(text: string): string {
  return text.replace(/(["'`])(?:\\.|(?!\1)[^\\])*\1/g, '?').replace(/\b\d+(?:\.\d+)?\b/g, '?');
}

const masked = new WeakMap<Tracer, Tracer>();

/** A tracer whose spans mask their status message (the driver's error text) before keeping it. */
function maskingStatusMessages(tracer: Tracer): Tracer {
  let wrapped = masked.get(tracer);
  if (!wrapped) {
    const maskStatus = (span: Span): Span => {
      const setStatus = span.setStatus.bind(span);
      span.setStatus = (status: SpanStatus) =>
        setStatus(status.message === undefined ? status : { ...status, message: maskSqlText(status.message) });
      return span;
    };
    wrapped = {
      startSpan: (name, options, context) => maskStatus(tracer.startSpan(name, options, context)),
      startActiveSpan: tracer.startActiveSpan.bind(tracer) as Tracer['startActiveSpan'],
    };
    masked.set(tracer, wrapped);
  }
  return wrapped;
}

type QueryFunction = (this: unknown, ...args: unknown[]) => unknown;
/** The instrumentation's (private) factory of its patched `query`/`execute`, called when mysql2 loads. */
type PatchQuery = (format: unknown, isPrepared: boolean) => (original: QueryFunction) => QueryFunction;

/**
 * The mysql2 instrumentation recording masked statements and masked error messages (no value
 * reaches a trace), and only for statements inside a recorded span: for any other statement
 * (a request not sampled, a background poll) the driver's own `query` runs untouched, without the
 * instrumentation's attributes, masking, span and callback wrapping.
 */
export function maskedMySQL2Instrumentation(Base: typeof MySQL2Instrumentation, traced: () => boolean): MySQL2Instrumentation {
  class Masked extends Base {
    protected override get tracer(): Tracer {
      return maskingStatusMessages(super.tracer);
    }
  }
  const instrumentation = new Masked({ maskStatement: true, maskStatementHook: maskSqlText });
  const target = instrumentation as unknown as { _patchQuery: PatchQuery };
  if (typeof target._patchQuery !== 'function') throw new Error('the mysql2 instrumentation has no _patchQuery to gate: check its version');
  const patchQuery = target._patchQuery.bind(instrumentation);
  target._patchQuery = (format, isPrepared) => (original) => {
    const instrumented = patchQuery(format, isPrepared)(original);
    return function query(this: unknown, ...args: unknown[]) {
      return (traced() ? instrumented : original).apply(this, args);
    };
  };
  return instrumentation;
}
