import { anyJsonObjectSchema } from './api-schemas.js';
import type { ApiEnv } from './app.js';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi.js';
import type { RouteRegistry } from './routes.js';

/**
 * `GET /openapi.json`, the OpenAPI 3.1 document generated from the routes'
 * descriptions, and `GET /docs`, the same document as a plain page rendered
 * here: no script, nothing loaded from elsewhere.
 */
export function mountApiDocs(routes: RouteRegistry<ApiEnv>): void {
  // Built on first use: by then every route is registered.
  let document: OpenApiDocument | undefined;
  let page: string | undefined;
  const openApi = () => (document ??= buildOpenApiDocument(routes.routes));

  routes.route(
    {
      method: 'GET',
      path: '/openapi.json',
      operationId: 'openApiDocument',
      summary: 'This API as an OpenAPI 3.1 document',
      tag: 'operations',
      auth: 'none',
      answers: { 200: { description: 'The document.', json: anyJsonObjectSchema } },
    },
    (c) => c.json(openApi()),
  );
  routes.route(
    {
      method: 'GET',
      path: '/docs',
      operationId: 'apiDocsPage',
      summary: 'The OpenAPI document as a readable page',
      tag: 'operations',
      auth: 'none',
      answers: { 200: { description: 'The page.', media: { type: 'text/html' } } },
    },
    (c) =>
      c.html((page ??= renderDocsPage(openApi())), 200, {
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      }),
  );
}

const escape = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
/** Inline code (`x`) of the descriptions, as <code>. */
const prose = (text: string) => escape(text).replace(/`([^`]+)`/g, '<code>$1</code>');
const schemaBlock = (label: string, schema: unknown) =>
  `<details><summary>${escape(label)}</summary><pre>${escape(JSON.stringify(schema, null, 2))}</pre></details>`;

interface Operation {
  summary: string;
  description?: string;
  security: Record<string, unknown>[];
  parameters: { name: string; in: string; required: boolean; description?: string; schema: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: unknown }> }>;
}

function renderDocsPage(document: OpenApiDocument): string {
  const sections: string[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, value] of Object.entries(methods)) {
      const operation = value as unknown as Operation;
      const auth = operation.security.length === 0 ? 'none' : operation.security.map((scheme) => Object.keys(scheme)[0]).join(' or ');
      const parameters = operation.parameters.length
        ? `<table><tr><th>parameter</th><th>in</th><th></th><th>schema</th></tr>${operation.parameters
            .map(
              (parameter) =>
                `<tr><td><code>${escape(parameter.name)}</code></td><td>${parameter.in}</td><td>${parameter.required ? 'required' : ''} ${prose(parameter.description ?? '')}</td><td><code>${escape(JSON.stringify(parameter.schema))}</code></td></tr>`,
            )
            .join('')}</table>`
        : '';
      const body = operation.requestBody ? schemaBlock('request body (application/json)', operation.requestBody.content['application/json']?.schema) : '';
      const answers = Object.entries(operation.responses)
        .map(([status, answer]) => {
          const content = Object.entries(answer.content ?? {})
            .map(([type, media]) => (media.schema && !('$ref' in (media.schema as object)) && type === 'application/json' ? schemaBlock(type, media.schema) : `<code>${escape(type)}</code>`))
            .join(' ');
          return `<li><b>${status}</b> ${prose(answer.description)} ${content}</li>`;
        })
        .join('');
      sections.push(
        `<section id="${escape(`${method}-${path}`)}"><h3><span class="method">${method.toUpperCase()}</span> <code>${escape(path)}</code></h3>` +
          `<p>${prose(operation.summary)}${operation.description ? `. ${prose(operation.description)}` : ''}</p><p>auth: ${escape(auth)}</p>${parameters}${body}<ul>${answers}</ul></section>`,
      );
    }
  }
  const events = (document.components.schemas.RunEvent as { oneOf?: { properties: Record<string, { const?: string }>; required?: string[] }[] }).oneOf ?? [];
  const eventRows = events
    .map((event) => {
      const type = event.properties.type?.const ?? '?';
      const fields = Object.keys(event.properties)
        .filter((name) => name !== 'type')
        .map((name) => `<code>${escape(name)}${(event.required ?? []).includes(name) ? '' : '?'}</code>`)
        .join(', ');
      return `<tr><td><code>${escape(type)}</code></td><td>${fields}</td></tr>`;
    })
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>runstream API</title><style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{font:13px ui-monospace,monospace}pre{background:#f5f5f5;padding:.5rem;overflow:auto;max-height:30rem}
section{border-top:1px solid #ddd;padding:.5rem 0}.method{background:#234;color:#fff;padding:0 .4rem;border-radius:3px}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .4rem;text-align:left;vertical-align:top}
</style></head><body><h1>${escape(document.info.title)} API ${escape(document.info.version)}</h1>
<p>${prose(document.info.description)} The machine-readable document: <a href="/openapi.json">/openapi.json</a>.</p>
<h2>Routes</h2>${sections.join('\n')}
<h2>Events</h2><p>Each event of a stream is <code>id: &lt;log id&gt;</code>, <code>event: &lt;type&gt;</code>, <code>data: &lt;JSON&gt;</code>; fields marked ? may be absent.</p>
<table><tr><th>type</th><th>fields</th></tr>${eventRows}</table>
<h2>Errors</h2>${schemaBlock('{ error: { type, message, issues? } }', document.components.schemas.ApiError)}
</body></html>`;
}
