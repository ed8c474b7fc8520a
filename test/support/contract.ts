import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** The parts of an OpenAPI 3.1 document the response check reads. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }> }>
  >;
  components?: Record<string, unknown>;
}

export interface Exchange {
  method: string;
  /** The request path, with or without a query string. */
  path: string;
  status: number;
  contentType: string | undefined;
  /** The raw body text ('' when there was none). */
  text: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

interface Template {
  path: string;
  pattern: RegExp;
  params: number;
}

/**
 * Checks answers against an OpenAPI 3.1 document: the status must be one the operation documents,
 * and a JSON body must match that response's schema (ajv, JSON Schema 2020-12, as OpenAPI 3.1
 * uses). A request that matches no documented operation is not judged here: the route coverage
 * test makes sure every registered route is documented.
 */
export class ResponseContract {
  private readonly ajv: Ajv2020;
  private readonly templates: Template[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenApiDocument) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    // The whole document under one id: component references (#/components/schemas/...) resolve inside it.
    this.ajv.addSchema({ ...document, $id: 'openapi.json' } as object);
    this.templates = Object.keys(document.paths)
      .map((path) => ({
        path,
        pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
        params: (path.match(/\{/g) ?? []).length,
      }))
      // A literal path wins over a template that also matches it.
      .sort((a, b) => a.params - b.params);
  }

  /** The documented operation a request reaches, if any: its path template and method. */
  operationOf(method: string, path: string): { template: string; method: string } | undefined {
    const bare = path.split('?')[0]!;
    // HEAD is answered by the GET route (Express), with the same status and no body.
    const wanted = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
    if (!METHODS.includes(wanted)) return undefined;
    const template = this.templates.find((t) => t.pattern.test(bare) && this.document.paths[t.path]?.[wanted]);
    return template ? { template: template.path, method: wanted } : undefined;
  }

  /** What is wrong with this answer by the document, or undefined when it conforms (or is not documented). */
  problemWith(exchange: Exchange): string | undefined {
    const operation = this.operationOf(exchange.method, exchange.path);
    if (!operation) return undefined;
    const name = `${exchange.method.toUpperCase()} ${operation.template}`;
    const responses = this.document.paths[operation.template]![operation.method]!.responses ?? {};
    const key = String(exchange.status) in responses ? String(exchange.status) : 'default' in responses ? 'default' : undefined;
    if (!key)
      return `${name} answered ${exchange.status}, which the OpenAPI document does not list (it lists ${Object.keys(responses).join(', ')})`;
    if (exchange.method.toLowerCase() === 'head' || exchange.status === 304) return undefined;
    const content = responses[key]!.content;
    if (!content) return exchange.text === '' ? undefined : `${name} ${exchange.status} has no documented body, but one came back`;
    const mediaType = (exchange.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (!(mediaType in content))
      return `${name} ${exchange.status} answered ${mediaType || 'no content type'}, documented: ${Object.keys(content).join(', ')}`;
    if (mediaType !== 'application/json') return undefined;
    let body: unknown;
    try {
      body = JSON.parse(exchange.text);
    } catch {
      return `${name} ${exchange.status} answered a body that is not JSON`;
    }
    const pointer = ['paths', operation.template, operation.method, 'responses', key, 'content', mediaType, 'schema']
      .map((part) => encodeURIComponent(part.replace(/~/g, '~0').replace(/\//g, '~1')))
      .join('/');
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi.json#/${pointer}` });
      this.validators.set(pointer, validate);
    }
    if (validate(body)) return undefined;
    const errors = (validate.errors ?? [])
      .slice(0, 5)
      .map(
        (e) =>
          `${e.instancePath || '(body)'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
      )
      .join('; ');
    return `${name} ${exchange.status} body does not match the OpenAPI document: ${errors}; body: ${exchange.text.slice(0, 300)}`;
  }
}

/** A service's own document, fetched from it; null when it serves none (some other server). */
export async function fetchContract(origin: string): Promise<ResponseContract | null> {
  const answer = await fetch(new URL('/api/openapi.json', origin), { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
  if (!answer || answer.status !== 200) return null;
  const document = (await answer.json().catch(() => undefined)) as OpenApiDocument | undefined;
  return document && typeof document.openapi === 'string' && document.openapi.startsWith('3.1') ? new ResponseContract(document) : null;
}
