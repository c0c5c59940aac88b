// Errors that become oVirt faults (`<fault><reason/><detail/></fault>`) at the API edge.
import Boom from '@hapi/boom';

/** Boom data that carries the fault's reason; the detail is the Boom message. */
export interface FaultData {
  reason: string;
}

function fault(status: number, reason: string, detail: string): Boom.Boom<FaultData> {
  return new Boom.Boom<FaultData>(detail, { statusCode: status, data: { reason } });
}

export const badRequest = (detail: string) => fault(400, 'Operation Failed', detail);
export const malformed = (detail: string) => fault(400, 'Request syntactically incorrect.', detail);
/** A mandatory attribute is missing, named like oVirt does: `Vm [cluster.id|name] required for add`. */
export const incomplete = (typeName: string, fields: string[], method: string) =>
  fault(400, 'Incomplete parameters', `${typeName} [${fields.join(', ')}] required for ${method}`);
export const forbidden = (detail: string) => fault(403, 'Forbidden', detail);
export const notFound = (detail: string) => fault(404, 'Not Found', detail);
export const entityNotFound = (typeName: string, key: string) =>
  fault(404, 'Operation Failed', `Entity not found: ${typeName}: ${key}`);
export const conflict = (detail: string) => fault(409, 'Operation Failed', detail);
export const unauthorized = (detail: string) => fault(401, 'Unauthorized', detail);
export const unsupportedMediaType = (detail: string) => fault(415, 'Unsupported Media Type', detail);
export const tooLarge = (detail: string) => fault(413, 'Request Entity Too Large', detail);
/** A write the database refused for lack of space: nothing of the call was kept. */
export const databaseFull = () => fault(507, 'Insufficient Storage', "The engine's database is out of space: nothing was changed; free space for it and try again");
export const methodNotAllowed = (detail: string) => fault(405, 'Method Not Allowed', detail);
