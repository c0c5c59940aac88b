// The floor a request to the engine is measured against: a bare hapi server answering fixed bytes,
// the very bodies the engine answered, by path and Accept. Run as its own process by bench/api.ts
// with a JSON file of those bodies; prints its port.
import fs from 'node:fs';
import Hapi from '@hapi/hapi';

/** `Accept path?query` → the body answered. */
type Answers = Record<string, string>;

async function main(): Promise<void> {
  const answers = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as Answers;
  const server = Hapi.server({ host: '127.0.0.1', port: 0 });
  server.route({
    method: 'GET', path: '/{any*}',
    handler: (request, h) => {
      const accept = String(request.headers.accept);
      const body = answers[`${accept} ${request.url.pathname}${request.url.search}`];
      return body === undefined ? h.response().code(404) : h.response(body).type(accept);
    },
  });
  await server.start();
  console.log(`bare hapi on ${server.info.port}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
