import { z } from 'zod';

import { ROUTE_PERMISSIONS } from '../route-permissions.js';
import { ErrorBody } from '../schemas/responses.js';
import { ROUTE_DOCS, type RouteDoc } from './route-docs.js';

type JsonSchema = Record<string, unknown>;

/** `/v1/runs/:id` as OpenAPI writes it: `/v1/runs/{id}`. */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z]+)/g, '{$1}');

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

const ERROR_RESPONSE = {
  description: 'An error: `{ error: { code, message, path } }`, the code stable',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

/** The query parameters of a route, one per property of its query schema. */
function queryParameters(schema: z.ZodType): unknown[] {
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: object.required?.includes(name) ?? false,
    ...(typeof property['description'] === 'string' ? { description: property['description'] } : {}),
    schema: property,
  }));
}

/** The request headers a route reads, as header parameters. */
function headerParameters(doc: RouteDoc): unknown[] {
  return (doc.headers ?? []).map((header) => ({
    name: header.name,
    in: 'header',
    required: header.required ?? false,
    description: header.description,
    schema: { type: 'string' },
  }));
}

function operation(doc: RouteDoc, path: string): Record<string, unknown> {
  const access = ROUTE_PERMISSIONS[doc.route];
  const params = [...path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const headers = doc.responseHeaders
    ? {
        headers: Object.fromEntries(
          Object.entries(doc.responseHeaders).map(([name, description]) => [
            name,
            { description, schema: { type: 'string' } },
          ]),
        ),
      }
    : {};
  const body = doc.eventStream
    ? { description: doc.eventStream, content: { 'text/event-stream': { schema: { type: 'string' } } } }
    : doc.text
      ? { description: doc.text, content: { 'text/plain': { schema: { type: 'string' } } } }
      : {
          description: 'OK',
          content: {
            'application/json': { schema: doc.response ? jsonSchema(doc.response, 'output') : { type: 'object' } },
          },
        };
  return {
    tags: [doc.tag],
    summary: doc.summary,
    operationId: doc.route.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, ''),
    ...(access === 'public' || access === 'signature' ? { security: [] } : {}),
    ...(access && access !== 'public' && access !== 'signature' ? { 'x-vigil-permission': access } : {}),
    parameters: [...params, ...(doc.query ? queryParameters(doc.query) : []), ...headerParameters(doc)],
    ...(doc.body
      ? { requestBody: { required: false, content: { 'application/json': { schema: jsonSchema(doc.body, 'input') } } } }
      : {}),
    responses: { [String(doc.status ?? 200)]: { ...body, ...headers }, default: ERROR_RESPONSE },
  };
}

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the same zod schemas the routes check
 * requests with (zod's JSON Schema is draft 2020-12, which OpenAPI 3.1 uses). Every route needs a
 * bearer API key unless its operation says `security: []`; `x-vigil-permission` names the
 * permission its key's role must hold.
 */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const doc of ROUTE_DOCS) {
    const [method, path] = doc.route.split(' ') as [string, string];
    (paths[openApiPath(path)] ??= {})[method.toLowerCase()] = operation(doc, path);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Vigil HTTP API',
      version: '1',
      description:
        'Durable execution for long-running AI agents. Send `Authorization: Bearer <key>`; errors are ' +
        '`{ "error": { "code", "message", "path" } }` with stable codes. The hand-written reference is docs/reference/http-api.md.',
    },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A Vigil API key, `vgl_<id>_<secret>`' },
      },
      schemas: { Error: jsonSchema(ErrorBody, 'output') },
    },
  };
}
