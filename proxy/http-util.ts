// Replies and small JSON bodies, as the image server and the ticket control API both use them.
import { IncomingMessage, ServerResponse } from 'node:http';

/** A data-plane error: a status, a one-line reason, and whether the connection must close. */
export class ProxyError extends Error {
  constructor(readonly status: number, message: string, readonly close = false, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

/** The largest JSON body a request may carry (PATCH operations, ticket JSON). */
const MAX_SMALL_BODY = 64 * 1024;

export function json(res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function fail(res: ServerResponse, e: ProxyError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = `${e.message}\n`;
  res.writeHead(e.status, {
    'Content-Type': 'text/plain; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    ...(e.close ? { Connection: 'close' } : {}),
    ...e.headers,
  });
  res.end(text);
}

async function readSmallBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_SMALL_BODY) throw new ProxyError(400, 'Request body too large', true);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A request's body as a JSON object, or 400. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readSmallBody(req);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ProxyError(400, 'The body is not valid JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ProxyError(400, 'The body must be a JSON object');
  return body as Record<string, unknown>;
}

/** A non-negative integer field of a JSON body (`fallback` when absent, if given), or 400. */
export function count(body: Record<string, unknown>, key: string, fallback?: number): number {
  const value = body[key] ?? fallback;
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new ProxyError(400, `Invalid or missing ${key}: a non-negative integer is needed`);
  return value as number;
}
