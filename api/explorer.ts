// The API's documentation, readable without credentials: the OpenAPI document as JSON and YAML,
// and the explorer page (Swagger UI, served from its npm package, as the engine may have no
// internet), whose "try it" calls carry the token its reader gives.
import fs from 'node:fs';
import path from 'node:path';
import { ServerRoute } from '@hapi/hapi';
import YAML from 'yaml';
import { notFound } from '../services/fault';
import { OperationFacts, openApiDocument } from './openapi';
import { API_ROOT } from './versioning';

export const OPENAPI_JSON = `${API_ROOT}/openapi.json`;
export const OPENAPI_YAML = `${API_ROOT}/openapi.yaml`;
export const DOCS = `${API_ROOT}/docs`;

/** The files of the Swagger UI package the page may load, by name, with their media types. */
const UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const MEDIA_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.png': 'image/png',
  '.map': 'application/json',
};
// Only the names the package's directory lists are served: a request names one of them, never a path.
const UI_FILES = new Map(fs.readdirSync(UI_DIR, { withFileTypes: true })
  .filter((e) => e.isFile() && MEDIA_TYPES[path.extname(e.name)] !== undefined)
  .map((e) => [e.name, MEDIA_TYPES[path.extname(e.name)]]));

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Hangar API</title>
<link rel="stylesheet" href="${DOCS}/swagger-ui.css">
<link rel="icon" type="image/png" href="${DOCS}/favicon-32x32.png">
</head>
<body>
<div id="explorer"></div>
<script src="${DOCS}/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({ url: '${OPENAPI_JSON}', dom_id: '#explorer', deepLinking: true, filter: true });
</script>
</body>
</html>
`;

/** The document depends on the code alone (the model, the routes' facts), never on the engine serving it: it is made once. */
let published: { json: string; yaml: string } | undefined;

const open = (facts: OperationFacts) => ({ auth: false as const, plugins: { openapi: { tags: ['docs'], ...facts } } });
const text = (description: string, mediaType: string) => ({ 200: { description, content: { [mediaType]: {} } } });

/** The documentation's routes; the document describes `documented` (the routes outside the service tree) and these. */
export function explorerRoutes(documented: readonly ServerRoute[]): ServerRoute[] {
  const routes: ServerRoute[] = [
    {
      method: 'GET',
      path: OPENAPI_JSON,
      options: open({ summary: 'This document, as JSON', responses: text('The OpenAPI document.', 'application/json') }),
      handler: (_request, h) => h.response(publish().json).type('application/json'),
    },
    {
      method: 'GET',
      path: OPENAPI_YAML,
      options: open({ summary: 'This document, as YAML', responses: text('The OpenAPI document.', 'application/yaml') }),
      handler: (_request, h) => h.response(publish().yaml).type('application/yaml'),
    },
    {
      method: 'GET',
      path: DOCS,
      options: open({ summary: 'The API explorer', description: 'A page that shows this document and tries its operations.', responses: text('The page.', 'text/html') }),
      handler: (_request, h) => h.response(PAGE).type('text/html; charset=utf-8'),
    },
    {
      method: 'GET',
      path: `${DOCS}/{file}`,
      options: open({
        summary: 'A file of the API explorer',
        parameters: [{ name: 'file', in: 'path', required: true, description: 'A file name of the Swagger UI package.', schema: { type: 'string' } }],
        responses: { ...text('The file.', 'application/octet-stream'), 404: { description: 'No such file.' } },
      }),
      handler: (request, h) => {
        const name = String(request.params.file);
        const type = UI_FILES.get(name);
        if (type === undefined) throw notFound(`The explorer has no file ${name}`);
        return h.response(fs.createReadStream(path.join(UI_DIR, name))).type(type);
      },
    },
  ];
  const publish = () => {
    if (!published) {
      const doc = openApiDocument([...documented, ...routes]);
      published = { json: JSON.stringify(doc), yaml: YAML.stringify(doc, { aliasDuplicateObjects: false }) };
    }
    return published;
  };
  return routes;
}
