// The two wire formats behind one interface, chosen by Content-Type and Accept.
import { StructType } from '../meta';
import { Obj } from './value';
import { readXml, readXmlList, writeXml, writeXmlList } from './xml';
import { readJson, readJsonList, writeJson, writeJsonList } from './json';

export interface Format {
  readonly name: 'xml' | 'json';
  readonly mediaType: string;
  read(type: StructType, text: string, root?: string): Obj;
  readList(type: StructType, text: string): Obj[];
  write(type: StructType, obj: Obj, root?: string): string;
  writeList(type: StructType, objs: Obj[]): string;
}

export const XML: Format = {
  name: 'xml',
  mediaType: 'application/xml',
  read: readXml,
  readList: readXmlList,
  write: writeXml,
  writeList: writeXmlList,
};

export const JSON_FORMAT: Format = {
  name: 'json',
  mediaType: 'application/json',
  read: (type, text) => readJson(type, text),
  readList: readJsonList,
  write: (type, obj) => writeJson(type, obj),
  writeList: writeJsonList,
};

export * from './value';
