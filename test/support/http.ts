// Raw HTTP exchanges, for tests of the image proxy and its ticket control API: the status, the
// headers and the body's bytes as they came.
import http from 'node:http';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Sends `req` (with `body`, if any) and gathers its answer. */
export function exchange(req: http.ClientRequest, body?: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
