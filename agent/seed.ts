// The NoCloud seed of cloud-init: its files on an ISO labelled `cidata`, made with xorriso.
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GuestSpec } from '../model/agent-protocol';

export async function seedIso(dir: string, seed: NonNullable<GuestSpec['cloudInit']>, iso: string): Promise<string> {
  const staging = path.join(dir, 'seed');
  fs.mkdirSync(staging, { recursive: true });
  fs.writeFileSync(path.join(staging, 'user-data'), seed.userData);
  fs.writeFileSync(path.join(staging, 'meta-data'), seed.metaData);
  if (seed.networkConfig) fs.writeFileSync(path.join(staging, 'network-config'), seed.networkConfig);
  await promisify(execFile)('xorriso', ['-as', 'mkisofs', '-quiet', '-volid', 'cidata', '-joliet', '-rock', '-output', iso, staging]);
  return iso;
}
