// The icons of the operating systems: oVirt shows each system with a small (43×43) and a large
// (150×120) PNG. Hangar draws one pair per family of systems (Windows, Linux, others) when it
// starts, a plain tile in the family's colour, rather than keeping oVirt's artwork.
import { crc32, deflateSync } from 'node:zlib';
import * as S from '../model/services';
import { Obj } from '../model/codec';
import { implement } from './behaviour';
import { fixedCollection, fixedEntity } from './fixed';
import { derivedId } from './config-lists';

const FAMILIES = { windows: [0, 120, 215], linux: [40, 40, 40], other: [150, 150, 150] } as const;
type Family = keyof typeof FAMILIES;
const SIZES = { small: [43, 43], large: [150, 120] } as const;

/** The family of an operating system, by its unique name (`windows_10`, `rhel_8x64`, `other`). */
export function familyOf(osName: string): Family {
  if (osName.startsWith('windows')) return 'windows';
  return osName === 'other' ? 'other' : 'linux';
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A PNG of one colour: 8-bit RGB, each row led by filter byte 0. */
function tile(width: number, height: number, rgb: readonly number[]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.from([0, ...Array.from({ length: width }, () => rgb).flat()]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}

/** The id of a family's icon of one size. */
export const iconId = (family: Family, size: keyof typeof SIZES) => derivedId(`icon:${family}:${size}`);

const icons: readonly Obj[] = (Object.keys(FAMILIES) as Family[]).flatMap((family) =>
  (Object.keys(SIZES) as (keyof typeof SIZES)[]).map((size) => ({
    id: iconId(family, size),
    media_type: 'image/png',
    data: tile(SIZES[size][0], SIZES[size][1], FAMILIES[family]).toString('base64'),
  })));

export const iconList = implement(S.Icons, fixedCollection(() => icons));
export const icon = implement(S.IconEntity, fixedEntity(S.Icons, () => icons));
