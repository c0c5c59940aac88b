// Conversion of primitive and enum values between their text form on the wire and memory.
import { DecodeError, Scalar } from './value';
import { EnumType, PrimitiveType } from '../meta';

const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Reads a value given as text (XML) or as a JSON scalar; `field` names it in errors. */
export function parseScalar(type: PrimitiveType | EnumType, raw: unknown, field: string): Scalar {
  if (type.kind === 'enum') {
    const text = String(raw).trim().toLowerCase();
    if (!type.values.includes(text)) {
      throw new DecodeError(
        `Invalid value '${String(raw)}' for ${field}: expected one of ${type.values.join(', ')}`,
        field,
      );
    }
    return text;
  }
  if (typeof raw === 'object' || raw === undefined) {
    throw new DecodeError(`Invalid value for ${field}: expected a ${type.name}`, field);
  }
  const text = String(raw).trim();
  switch (type.name) {
    case 'string':
      // No database stores a NUL character in text.
      if (String(raw).includes('\u0000')) throw new DecodeError(`Invalid value for ${field}: the NUL character is not allowed`, field);
      return String(raw);
    case 'integer':
      if (!INTEGER_TEXT.test(text) || !Number.isSafeInteger(Number(text))) {
        throw new DecodeError(`Invalid value '${text}' for ${field}: expected an integer`, field);
      }
      return Number(text);
    case 'decimal':
      if (!DECIMAL_TEXT.test(text)) {
        throw new DecodeError(`Invalid value '${text}' for ${field}: expected a decimal number`, field);
      }
      return Number(text);
    case 'boolean':
      if (text !== 'true' && text !== 'false') {
        throw new DecodeError(`Invalid value '${text}' for ${field}: expected true or false`, field);
      }
      return text === 'true';
    case 'date':
      if (Number.isNaN(Date.parse(text))) {
        throw new DecodeError(`Invalid value '${text}' for ${field}: expected a date`, field);
      }
      return new Date(text).toISOString();
  }
}

/** The wire text of a scalar: oVirt writes every primitive as text, in XML and in JSON. */
export function formatScalar(v: Scalar): string {
  return typeof v === 'string' ? v : String(v);
}
