// Query parameters, read as the method declares them: each declared one is parsed to its type
// (a value that is not of it is refused with 400 naming the parameter); undeclared ones are
// ignored, as oVirt ignores them.
import { Request } from '@hapi/hapi';
import { ParamType, ParamValue, Params } from '../model/meta';
import { badRequest } from '../services/fault';

/** The last value given for `name`, as the URL has it. */
export function queryValue(request: Request, name: string): string | undefined {
  const v: unknown = request.query[name];
  const last: unknown = Array.isArray(v) ? v[v.length - 1] : v;
  return typeof last === 'string' ? last : undefined;
}

function parse(name: string, type: ParamType, text: string): ParamValue {
  switch (type) {
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw badRequest(`${name} must be true or false, got '${text}'`);
      return lower === 'true';
    }
    case 'integer': {
      if (!/^-?\d+$/.test(text)) throw badRequest(`${name} must be an integer, got '${text}'`);
      if (!Number.isSafeInteger(Number(text))) throw badRequest(`${name} must be at most ${Number.MAX_SAFE_INTEGER}, got '${text}'`);
      return Number(text);
    }
    case 'string':
      return text;
  }
}

/** The declared parameters the request gives, typed; an empty value counts as not given. */
export function readParams(request: Request, declared: Params): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [name, type] of Object.entries(declared)) {
    const text = queryValue(request, name);
    if (text !== undefined && text !== '') out[name] = parse(name, type, text);
  }
  return out;
}
