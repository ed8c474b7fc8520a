import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { errorBodySchema, livenessSchema, readinessSchema } from '../contracts/http';

export type OpenApiDocument = ReturnType<typeof createDocument>;
export type ApiPaths = ZodOpenApiPathsObject;
export type ApiOperation = ZodOpenApiOperationObject;
export type ApiResponses = ZodOpenApiResponsesObject;

/** Where each service serves its own document, and the page that shows it. */
export const OPENAPI_PATH = '/api/openapi.json';
export const API_DOCS_PATH = '/api/docs';

/** What each error status means, the same on every route that can answer it. */
const ERROR_MEANINGS: Record<number, string> = {
  400: 'The request is not valid (code validation_failed, malformed_json, ...); `details` names each field at fault.',
  401: 'No valid bearer token (code unauthenticated), or wrong credentials at sign-in (code invalid_credentials).',
  403: 'The token is valid but its role may not do this (code forbidden).',
  404: 'No such resource (code not_found).',
  413: 'The body is larger than 16 kB (code payload_too_large).',
  415: 'The body is not JSON (code unsupported_media_type) or its encoding is not supported.',
  429: 'Too many requests (code rate_limited), with RateLimit, RateLimit-Policy (IETF draft 8) and Retry-After headers.',
  500: 'Something went wrong on our side (code internal_error); no detail is given away.',
  503: 'A dependency is unavailable (code dependency_unavailable); try again shortly.',
};

/** Error responses in the common shape, each with its standard meaning or the one given. */
export function errorResponses(...statuses: (number | [number, string])[]): ApiResponses {
  const responses: ApiResponses = {};
  for (const entry of statuses) {
    const [status, description] = Array.isArray(entry) ? entry : [entry, ERROR_MEANINGS[entry] ?? 'An error.'];
    responses[String(status) as `${1 | 2 | 3 | 4 | 5}${string}`] = {
      description,
      content: { 'application/json': { schema: errorBodySchema } },
    };
  }
  return responses;
}

/** A JSON answer (or request body) of this schema. */
export const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });

/** The same operations under another prefix (old clients' paths), tagged so the mirror is visible. */
export function mirrorPaths(paths: ApiPaths, from: string, to: string, note: string): ApiPaths {
  const mirrored: ApiPaths = {};
  for (const [path, item] of Object.entries(paths)) {
    if (!path.startsWith(from)) throw new Error(`${path} is not under ${from}`);
    const copy: Record<string, unknown> = {};
    for (const [method, operation] of Object.entries(item)) {
      copy[method] = {
        ...(operation as ApiOperation),
        description: [(operation as ApiOperation).description, note].filter(Boolean).join('\n\n'),
        tags: ['legacy'],
      };
    }
    mirrored[`${to}${path.slice(from.length)}`] = copy;
  }
  return mirrored;
}

export interface ApiDocumentSpec {
  title: string;
  description: string;
  paths: ApiPaths;
  tags: { name: string; description?: string }[];
  /** Paths that touch no dependency (liveness, metrics, the document): no 503 for a database outage there. */
  touchesNothing: string[];
}

/**
 * An OpenAPI 3.1 document from zod schemas (zod-openapi): request schemas as they validate,
 * response schemas as they are answered. Every operation needs a bearer token unless it says
 * `security: []`.
 */
export function buildOpenApiDocument(spec: ApiDocumentSpec): OpenApiDocument {
  // Any operation can fail on our side, and any that reads the database answers 503 while it is
  // unreachable (toErrorResponse): said once here, so every operation is honest about both.
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const operation of Object.values(item) as ApiOperation[]) {
      const always = spec.touchesNothing.includes(path) ? [500] : [500, 503];
      const missing = always.filter((status) => !operation.responses?.[String(status) as '500']);
      operation.responses = { ...operation.responses, ...errorResponses(...missing) };
    }
  }
  return createDocument({
    openapi: '3.1.0',
    info: { title: spec.title, version: '1.0.0', description: spec.description },
    tags: spec.tags,
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths: spec.paths,
  });
}

/**
 * The operations every service process serves the same way: liveness (and its older name), readiness,
 * its metrics and this document. `readySummary` says what readiness asks of this service.
 */
export function operationsPaths(readySummary: string): ApiPaths {
  const operation = (summary: string, responses: ApiResponses) => ({ get: { tags: ['operations'], summary, security: [], responses } });
  return {
    '/livez': operation('Liveness: the process answers; touches no dependency.', { 200: json(livenessSchema, 'Alive.') }),
    '/ready': operation('Liveness under its older name, kept for existing probes.', { 200: json(livenessSchema, 'Alive.') }),
    '/readyz': operation(readySummary, {
      200: json(readinessSchema, 'Ready.'),
      503: json(readinessSchema, 'Not ready, naming what stands in the way.'),
    }),
    '/metrics': operation('Prometheus metrics of this process (catalogue_* series with a service label).', {
      200: { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: z.string() } } },
    }),
    [OPENAPI_PATH]: operation('This document (OpenAPI 3.1); /api/docs shows it.', {
      200: json(z.record(z.string(), z.unknown()), 'The document.'),
    }),
  };
}
