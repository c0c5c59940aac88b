// The Range and Content-Range headers of the imageio protocol.
import { ProxyError } from './http-util';

/** `bytes=a-b` or `bytes=a-`, as [start, end inclusive or undefined]; anything else is 416. */
export function parseRange(header: string): [number, number | undefined] {
  const m = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!m) throw new ProxyError(416, `Unsupported range: ${header}`);
  const start = Number(m[1]);
  const end = m[2] === '' ? undefined : Number(m[2]);
  if (end !== undefined && end < start) throw new ProxyError(416, `Invalid range: ${header}`);
  return [start, end];
}

/** The first byte a PUT writes, from `Content-Range: bytes first-last/complete` (0 without it). */
export function parseContentRange(header: string | undefined): number {
  if (header === undefined) return 0;
  const m = /^bytes (\d+)-(\d+|\*)\/(\d+|\*)$/.exec(header.trim());
  if (!m) throw new ProxyError(400, `Invalid Content-Range: ${header}`);
  const first = Number(m[1]);
  const last = m[2] === '*' ? undefined : Number(m[2]);
  const complete = m[3] === '*' ? undefined : Number(m[3]);
  if (last !== undefined && last < first) throw new ProxyError(400, `Invalid Content-Range: ${header}`);
  if (last !== undefined && complete !== undefined && last >= complete) throw new ProxyError(400, `Invalid Content-Range: ${header}`);
  return first;
}
