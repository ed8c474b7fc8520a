// A minimal HTTP/1.1 keep-alive client for the open-loop generator: one request at a time per
// connection, the request written as one prepared buffer, the answer's end found from its
// Content-Length (or the last chunk). node:http costs about 0.2 ms of CPU per request here, which
// at the list's rates would take a core from the services it measures on a 2-core machine; this
// costs a fraction of it. It speaks only what our services answer: a response it cannot frame
// fails that request ('unframed response') rather than guessing.
import net from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');
const LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');
/** Reopen a connection idle this long unless the server's `Keep-Alive: timeout=` says otherwise (node's default is 5 s). */
const DEFAULT_IDLE_LIMIT_MS = 4000;

/** The bytes of one request. */
export function requestBytes({ method, path, headers = {}, body }, host) {
  const payload = body === undefined ? '' : String(body);
  const lines = [
    `${method} ${path} HTTP/1.1`,
    `host: ${host}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    `content-length: ${Buffer.byteLength(payload)}`,
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${payload}`);
}

class Connection {
  constructor(pool) {
    this.pool = pool;
    this.socket = undefined;
    this.callback = undefined;
    this.startedAt = 0;
    this.chunks = [];
    this.received = 0;
    this.lastDoneAt = 0;
    this.idleLimitMs = DEFAULT_IDLE_LIMIT_MS;
  }

  send(bytes, callback) {
    this.callback = callback;
    this.startedAt = performance.now();
    this.chunks = [];
    this.received = 0;
    // A server closes a keep-alive connection idle past its timeout; writing just as it does loses
    // the request (a reset). Reopen one that has idled close to that instead.
    if (this.socket && this.startedAt - this.lastDoneAt > this.idleLimitMs) this.reset();
    if (!this.socket) this.open();
    this.socket.write(bytes);
  }

  open() {
    const socket = net.connect({ host: this.pool.host, port: this.pool.port, noDelay: true });
    this.socket = socket;
    socket.on('data', (chunk) => this.onData(chunk));
    const lost = (err) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      socket.destroy();
      this.finish(undefined, err?.code ?? 'connection closed');
    };
    socket.on('error', lost);
    socket.on('close', () => lost());
  }

  onData(chunk) {
    if (!this.callback) return;
    this.chunks.push(chunk);
    this.received += chunk.length;
    const data = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks);
    this.chunks = [data];
    const headerEnd = data.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = data.subarray(0, headerEnd).toString('latin1');
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const bodyStart = headerEnd + 4;
    let complete;
    if (length) complete = data.length >= bodyStart + Number(length[1]);
    else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) complete = data.subarray(bodyStart - 2).indexOf(LAST_CHUNK) >= 0;
    else if (status === 204 || status === 304) complete = true;
    else {
      this.reset();
      this.finish(status, 'unframed response');
      return;
    }
    if (!complete) return;
    if (/\r\nconnection:\s*close/i.test(head)) this.reset();
    const keepAlive = /\r\nkeep-alive:\s*timeout=(\d+)/i.exec(head);
    if (keepAlive) this.idleLimitMs = Math.max(0, Number(keepAlive[1]) * 1000 - 1000);
    this.lastDoneAt = performance.now();
    this.finish(status);
  }

  /** Fails the request in flight (timeout) and drops the socket: its answer may still come. */
  timeOut() {
    this.reset();
    this.finish(undefined, 'timeout');
  }

  reset() {
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
  }

  finish(status, failure) {
    const callback = this.callback;
    if (!callback) return;
    this.callback = undefined;
    this.chunks = [];
    this.pool.free.push(this);
    callback(status, failure);
  }
}

/** Up to `size` keep-alive connections to one host; `request` only when `hasFree()`. */
export class RawHttpPool {
  constructor({ host, port, size, timeoutMs }) {
    this.host = host;
    this.port = Number(port);
    this.hostHeader = `${host}:${port}`;
    this.all = Array.from({ length: size }, () => new Connection(this));
    this.free = [...this.all];
    // One sweep for every timeout, not a timer per request.
    this.sweeper = setInterval(
      () => {
        const now = performance.now();
        for (const c of this.all) if (c.callback && now - c.startedAt > timeoutMs) c.timeOut();
      },
      Math.min(100, timeoutMs),
    );
  }

  hasFree() {
    return this.free.length > 0;
  }

  request(bytes, callback) {
    this.free.pop().send(bytes, callback);
  }

  destroy() {
    clearInterval(this.sweeper);
    for (const c of this.all) c.reset();
  }
}
