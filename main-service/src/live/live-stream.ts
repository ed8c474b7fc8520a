import type { ServerResponse } from 'node:http';
import type { LiveMessage } from './live-messages';

/** How long a stream ended at shutdown may take to hand over its last bytes before its socket is cut. */
const END_GRACE_MS = 2000;

/**
 * One reader of the live stream. Writes never wait: a reader that has not taken more than
 * `maxBufferBytes` of what was written before is cut off (and reconnects with its Last-Event-ID),
 * so a slow or stalled client costs at most that much memory here, never an unbounded queue.
 * Until `start`, what it should be sent is held (bounded the same way): the head of the stream
 * (a replay, or `ready`) is still being read from the database.
 */
export class LiveStream {
  /** Messages up to this id reached the reader through another replica that was ahead of this one. */
  floor = 0;
  private held: string[] | undefined = [];
  private heldBytes = 0;
  private closed = false;

  constructor(
    private readonly res: ServerResponse,
    readonly address: string,
    private readonly maxBufferBytes: number,
    private readonly onSlowReader: (stream: LiveStream) => void,
  ) {}

  /** Bytes written that the reader has not taken yet (they wait in this process). */
  get buffered(): number {
    return this.held ? this.heldBytes : this.res.writableLength;
  }

  get isClosed(): boolean {
    return this.closed || this.res.destroyed;
  }

  /** Sends `head`, then everything held since the stream was registered. */
  start(head: string): void {
    const held = this.held ?? [];
    this.held = undefined;
    this.heldBytes = 0;
    this.send(head + held.join(''));
  }

  /** A flush's messages: all of them, or only those above the floor. Returns the ones written. */
  deliver(messages: readonly LiveMessage[], chunk: string): readonly LiveMessage[] {
    if (this.floor === 0) return this.send(chunk) ? messages : [];
    if (messages[messages.length - 1]!.id <= this.floor) return [];
    const newer = messages.filter((m) => m.id > this.floor);
    this.floor = 0;
    return this.send(newer.map((m) => m.text).join('')) ? newer : [];
  }

  /** Writes, or holds until `start`; false when the stream is closed or was just cut off as too slow. */
  send(text: string): boolean {
    if (this.isClosed) return false;
    if (this.held) {
      this.held.push(text);
      this.heldBytes += text.length;
      if (this.heldBytes <= this.maxBufferBytes) return true;
    } else if (this.res.writableLength <= this.maxBufferBytes) {
      // write()'s false only says the socket's buffer is past its high-water mark; the bound above,
      // checked before every write, is what keeps a stalled reader from growing it further.
      this.res.write(text);
      return true;
    }
    this.closed = true;
    this.res.destroy();
    this.onSlowReader(this);
    return false;
  }

  /** Ends the stream with `last` (e.g. when to reconnect); a reader that does not take it in time is cut off. */
  end(last: string): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.res.destroy(), END_GRACE_MS);
      this.res.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.held) this.res.destroy();
      else this.res.end(last);
    });
  }

  /** The reader went away (or was cut off): nothing more is written. */
  markClosed(): void {
    this.closed = true;
  }
}
