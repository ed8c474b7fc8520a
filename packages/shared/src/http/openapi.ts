import type { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { errorBodySchema } from '../contracts/http';

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
    responses[String(status) as `${1 | 2 | 3 | 4 | 5}${string}`] = { description, content: { 'application/json': { schema: errorBodySchema } } };
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
      copy[method] = { ...(operation as ApiOperation), description: [(operation as ApiOperation).description, note].filter(Boolean).join('\n\n'), tags: ['legacy'] };
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
}

/**
 * An OpenAPI 3.1 document from zod schemas (zod-openapi): request schemas as they validate,
 * response schemas as they are answered. Every operation needs a bearer token unless it says
 * `security: []`.
 */
export function buildOpenApiDocument(spec: ApiDocumentSpec): OpenApiDocument {
  // Any operation can fail on our side; saying so once here keeps every operation honest about it.
  for (const item of Object.values(spec.paths)) {
    for (const operation of Object.values(item) as ApiOperation[]) {
      operation.responses = { ...operation.responses, ...(operation.responses?.['500'] ? {} : errorResponses(500)) };
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
