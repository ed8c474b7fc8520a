import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

/** One Server-Sent Events message as a browser's EventSource hands it over. */
export interface StreamMessage {
  /** The stream's last event id once this message arrived ('' before any). */
  lastEventId: string;
  event: string;
  data: string;
  /** When it was parsed (Date.now()). */
  receivedAt: number;
}

/**
 * The text/event-stream format read as the HTML standard's EventSource reads it: lines end with
 * LF, CRLF or CR; `:` starts a comment; a blank line dispatches the message; `id` persists across
 * messages; the event name defaults to "message"; a message with no data is not dispatched.
 */
export class EventStreamParser {
  lastEventId = '';
  retryMs?: number;
  comments = 0;
  private buffer = '';
  private afterCr = false;
  private event = '';
  private data: string[] = [];

  push(text: string, now = Date.now()): StreamMessage[] {
    // A CR that ended the last chunk ended a line; an LF right after it belongs to it.
    let buffer = this.buffer + (this.afterCr && text.startsWith('\n') ? text.slice(1) : text);
    this.afterCr = false;
    const messages: StreamMessage[] = [];
    const lineEnd = /\r\n|\r|\n/g;
    let start = 0;
    for (let match = lineEnd.exec(buffer); match; match = lineEnd.exec(buffer)) {
      const message = this.line(buffer.slice(start, match.index), now);
      if (message) messages.push(message);
      start = match.index + match[0].length;
      if (start === buffer.length && match[0] === '\r') this.afterCr = true;
    }
    buffer = buffer.slice(start);
    this.buffer = buffer;
    return messages;
  }

  private line(line: string, now: number): StreamMessage | undefined {
    if (line === '') {
      const data = this.data;
      const event = this.event || 'message';
      this.data = [];
      this.event = '';
      return data.length === 0 ? undefined : { lastEventId: this.lastEventId, event, data: data.join('\n'), receivedAt: now };
    }
    if (line.startsWith(':')) {
      this.comments++;
      return undefined;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }
}

export interface OpenedStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every message so far, in order. */
  messages: StreamMessage[];
  parser: EventStreamParser;
  /** The body of an answer that was not a stream (an error's JSON). */
  text(): string;
  /** The first message so far or to come that matches; rejects after `timeoutMs` or when the stream ends first. */
  next(match: (message: StreamMessage) => boolean, options?: { timeoutMs?: number; what?: string }): Promise<StreamMessage>;
  /** Resolves when the server ended or cut the stream. */
  ended: Promise<void>;
  isEnded(): boolean;
  /** Stops reading from the socket (a slow reader) or starts again. */
  pause(): void;
  resume(): void;
  close(): void;
}

export interface OpenOptions {
  lastEventId?: string;
  /** The loopback address to send from (127.0.0.x), to appear as another client. */
  localAddress?: string;
  headers?: Record<string, string>;
  /** Do not read the body at all (a reader that never takes anything). */
  paused?: boolean;
}

/** Opens a text/event-stream with Node's http client; resolves once the response's headers are in. */
export function openEventStream(url: string, options: OpenOptions = {}): Promise<OpenedStream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      localAddress: options.localAddress,
      headers: {
        accept: 'text/event-stream',
        ...(options.lastEventId !== undefined ? { 'last-event-id': options.lastEventId } : {}),
        ...options.headers,
      },
    });
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer within 15 s from ${url}`)));
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      req.setTimeout(0);
      resolve(streamOf(req, res, options.paused ?? false));
    });
    req.end();
  });
}

function streamOf(req: ReturnType<typeof httpRequest>, res: IncomingMessage, paused: boolean): OpenedStream {
  const parser = new EventStreamParser();
  const messages: StreamMessage[] = [];
  const waiters = new Set<() => void>();
  let body = '';
  let ended = false;
  res.setEncoding('utf8');
  const endedPromise = new Promise<void>((resolve) => {
    const finish = () => {
      if (ended) return;
      ended = true;
      for (const wake of waiters) wake();
      resolve();
    };
    res.on('end', finish);
    res.on('close', finish);
    res.on('error', finish);
    req.on('error', finish);
  });
  res.on('data', (chunk: string) => {
    if (res.statusCode !== 200) body += chunk;
    const parsed = parser.push(chunk);
    if (parsed.length === 0) return;
    messages.push(...parsed);
    for (const wake of waiters) wake();
  });
  if (paused) res.pause();
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    messages,
    parser,
    text: () => body,
    ended: endedPromise,
    isEnded: () => ended,
    pause: () => res.pause(),
    resume: () => res.resume(),
    close: () => req.destroy(),
    next(match, { timeoutMs = 10_000, what = 'a message' } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
          if (found) return done(() => resolve(found));
          if (ended) done(() => reject(new Error(`the stream ended before ${what}; got ${describe(messages)}`)));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${describe(messages)}`))),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
  };
}

function describe(messages: StreamMessage[]): string {
  const shown = messages.slice(-5).map((m) => `${m.event}#${m.lastEventId} ${m.data}`);
  return `${messages.length} messages${shown.length ? `, the last: ${shown.join(' | ')}` : ''}`;
}
