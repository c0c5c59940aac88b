// The wire formats behind one interface, chosen by Content-Type and Accept.
import { StructType } from '../meta';
import { ListWriter, Obj, Presentation, Served } from './value';
import { readXml, readXmlList, writeXml, writeXmlList, xmlListWriter } from './xml';
import { jsonListWriter, ndjsonListWriter, readJson, readJsonList, writeJson, writeJsonList } from './json';

/** A format lists are answered in. */
export interface ListFormat {
  readonly mediaType: string;
  listWriter(type: StructType, p?: Presentation): ListWriter;
}

export interface Format extends ListFormat {
  readonly name: 'xml' | 'json';
  read(type: StructType, text: string, root?: string): Obj;
  readList(type: StructType, text: string): Obj[];
  write(type: StructType, obj: Obj, root?: string, p?: Presentation, served?: Served): string;
  writeList(type: StructType, objs: Obj[]): string;
}

export const XML: Format = {
  name: 'xml',
  mediaType: 'application/xml',
  read: readXml,
  readList: readXmlList,
  write: writeXml,
  writeList: writeXmlList,
  listWriter: xmlListWriter,
};

export const JSON_FORMAT: Format = {
  name: 'json',
  mediaType: 'application/json',
  read: (type, text) => readJson(type, text),
  readList: readJsonList,
  write: (type, obj, _root, p, served) => writeJson(type, obj, p, served),
  writeList: writeJsonList,
  listWriter: jsonListWriter,
};

/** Xen Orchestra's `ndjson`: a list as one JSON object per line, for lists only. */
export const NDJSON: ListFormat = {
  mediaType: 'application/x-ndjson',
  listWriter: ndjsonListWriter,
};

export * from './value';
