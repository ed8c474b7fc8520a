/**
 * A small client for RabbitMQ's management HTTP API (the `rabbitmq_management` plugin), which
 * provisioning uses so it needs no shell on the broker's node. Every request has a timeout, and an
 * error names the method, the path and the broker's reason, never a credential or a request body.
 */
export interface ManagementEndpoint {
  /** Base URL, e.g. http://rabbitmq:15672 (without credentials: they go in `username` and `password`). */
  url: string;
  username: string;
  password: string;
  /** Per request; 10 s by default. */
  timeoutMs?: number;
}

export class ManagementApiError extends Error {
  override name = 'ManagementApiError';

  constructor(
    message: string,
    /** The HTTP status, or undefined when the API could not be reached. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ManagementApi {
  /** The parsed JSON body, or undefined when the object does not exist (404). */
  get<T>(path: string): Promise<T | undefined>;
  put(path: string, body: unknown): Promise<void>;
  post(path: string, body: unknown): Promise<void>;
  delete(path: string): Promise<void>;
}

/** One path segment of the API (a vhost, a user, a queue name): `/` becomes `%2F`, as the API expects. */
export const apiSegment = (value: string) => encodeURIComponent(value);

export function managementApi(endpoint: ManagementEndpoint): ManagementApi {
  const base = new URL(endpoint.url);
  if (base.username || base.password)
    throw new ManagementApiError('the management URL must not carry credentials: give the user and password apart');
  const root = base.toString().replace(/\/$/, '');
  const authorization = `Basic ${Buffer.from(`${endpoint.username}:${endpoint.password}`).toString('base64')}`;
  const timeoutMs = endpoint.timeoutMs ?? 10_000;

  async function request(method: string, path: string, body?: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${root}${path}`, {
        method,
        headers: { authorization, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const cause = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describeNetworkError(err);
      throw new ManagementApiError(`RabbitMQ management API at ${root} unreachable (${method} ${path}): ${cause}`);
    }
    if (response.ok || (method === 'GET' && response.status === 404)) return response;
    throw new ManagementApiError(
      `RabbitMQ management ${method} ${path} failed: ${response.status} ${await reasonOf(response)}`,
      response.status,
    );
  }

  return {
    async get<T>(path: string) {
      const response = await request('GET', path);
      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      return (await response.json()) as T;
    },
    async put(path, body) {
      await (await request('PUT', path, body)).body?.cancel();
    },
    async post(path, body) {
      await (await request('POST', path, body)).body?.cancel();
    },
    async delete(path) {
      await (await request('DELETE', path)).body?.cancel();
    },
  };
}

function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** The broker's own explanation (`{"error": ..., "reason": ...}`), cut short; bodies never hold our secrets. */
async function reasonOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as { error?: string; reason?: string };
    return (parsed.reason ?? parsed.error ?? response.statusText).slice(0, 300);
  } catch {
    return response.statusText || text.slice(0, 300);
  }
}
