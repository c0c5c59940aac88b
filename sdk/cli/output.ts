// What the commands print, in the form `-o` asks: a table whose columns come from the type, JSON
// or YAML of the objects as the SDK reads them, or XML as the model's writer writes it.
import Table from 'cli-table3';
import YAML from 'yaml';
import { StructType, attributeOf } from '../../model/meta';
import { Obj, Value, isObj } from '../../model/codec';
import { structXml, writeXml, writeXmlList } from '../../model/codec/xml';

export const OUTPUTS = ['table', 'json', 'yaml', 'xml'] as const;
export type Output = (typeof OUTPUTS)[number];

/**
 * The columns of a list of `type`: its id, then the attributes the store keeps in columns of
 * their own (name, status, type, phase: what a search names most), but links and lists, then
 * the description an entity has.
 */
export function columnsOf(type: StructType): string[] {
  const stored = type.attributes.filter((a) => a.column && !a.link && !a.list && a.type().kind !== 'struct').map((a) => a.name);
  return [...new Set([...(type.identified ? ['id'] : []), ...stored, ...(attributeOf(type, 'description') ? ['description'] : [])])];
}

/** A value in one table cell: a reference by its name or id, a list by its items. */
function cell(v: Value | undefined): string {
  if (v === undefined) return '';
  if (Array.isArray(v)) return v.map(cell).join(', ');
  if (isObj(v)) return String(v.name ?? v.id ?? JSON.stringify(v));
  return String(v);
}

/** The rows of one object shown alone: each value by its dotted path. */
function flatten(obj: Obj, prefix = ''): [string, string][] {
  return Object.entries(obj).flatMap(([k, v]): [string, string][] => {
    if (v === undefined) return [];
    const key = prefix + k;
    // A nested value is walked, a reference (which holds little but its id) is shown whole.
    if (isObj(v) && !(v.id !== undefined && Object.keys(v).length <= 2)) return flatten(v, `${key}.`);
    return [[key, cell(v)]];
  });
}

const plain = { head: [] as string[], border: [] as string[] };

function table(type: StructType, objs: readonly Obj[]): string {
  const columns = columnsOf(type);
  const t = new Table({ head: columns, style: plain });
  for (const o of objs) t.push(columns.map((c) => cell(o[c])));
  return t.toString();
}

function record(obj: Obj): string {
  const t = new Table({ style: plain });
  for (const [k, v] of flatten(obj)) t.push({ [k]: v });
  return t.toString();
}

/** A list of objects of `type`. */
export function formatList(type: StructType, objs: Obj[], output: Output): string {
  switch (output) {
    case 'table': return table(type, objs);
    case 'json': return JSON.stringify(objs, null, 2);
    case 'yaml': return YAML.stringify(objs);
    case 'xml': return writeXmlList(type, objs);
  }
}

/** One object of `type`. */
export function formatOne(type: StructType, obj: Obj, output: Output): string {
  switch (output) {
    case 'table': return record(obj);
    case 'json': return JSON.stringify(obj, null, 2);
    case 'yaml': return YAML.stringify(obj);
    case 'xml': return writeXml(type, obj);
  }
}

/** One object of a stream, on lines of its own: a row of the table's cells, one JSON line, a YAML document. */
export function formatStreamed(type: StructType, obj: Obj, output: Output): string {
  switch (output) {
    case 'table': return columnsOf(type).map((c) => cell(obj[c])).join('  ');
    case 'json': return JSON.stringify(obj);
    case 'yaml': return `---\n${YAML.stringify(obj)}`;
    case 'xml': return structXml(type.element, type, obj);
  }
}
