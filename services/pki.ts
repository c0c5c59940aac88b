// The engine's own certificate authority, kept in the database and shared by every process, and
// each process's server certificate signed by it; clients pin the CA served at
// /ovirt-engine/services/pki-resource.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { X509Certificate, generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { Knex } from 'knex';
import { ENGINE_CLIENT_NAME } from '../model/agent-protocol';

export interface Certificates {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * A key pair made by Node, off the event loop (a 2048-bit key takes a tenth of a second or more);
 * forge only builds and signs certificates with it.
 */
async function keyPair() {
  const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    // Written as Node exported it: forge's re-encoding of a key is not always valid DER.
    pem,
    privateKey: forge.pki.privateKeyFromPem(pem),
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  };
}

function certificate(
  subject: forge.pki.CertificateField[],
  issuer: forge.pki.CertificateField[],
  publicKey: forge.pki.PublicKey,
  signer: forge.pki.rsa.PrivateKey,
  years: number,
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // 16 random bytes whose first lies in 0x40–0x7f: a positive DER integer with no leading zero
  // byte, which OpenSSL would refuse as illegal padding.
  const serial = randomBytes(16);
  serial[0] = 0x40 | (serial[0] & 0x3f);
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 3600 * 1000);
  cert.validity.notAfter = new Date(Date.now() + years * YEAR_MS);
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  cert.setExtensions(extensions);
  cert.sign(signer, forge.md.sha256.create());
  return cert;
}

interface Authority {
  certPem: string;
  keyPem: string;
}

async function createAuthority(): Promise<Authority> {
  const ca = await keyPair();
  const name = [{ name: 'commonName', value: `Hangar CA ${os.hostname()}` }, { name: 'organizationName', value: 'Hangar' }];
  const cert = certificate(name, name, ca.publicKey, ca.privateKey, 10, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: ca.pem };
}

/** A subject alternative name: an IP address or a DNS name. */
const altNameOf = (h: string) => (/^[\d.]+$|:/.test(h) ? { type: 7, ip: h } : { type: 2, value: h });

/** A certificate for `commonName`'s key, signed by the engine's CA for one use (a server's or a client's). */
function signedBy(ca: Authority, commonName: string, publicKey: forge.pki.PublicKey, use: { serverAuth: true; altNames: string[] } | { clientAuth: true }): string {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = certificate([{ name: 'commonName', value: commonName }], caCert.subject.attributes as forge.pki.CertificateField[], publicKey,
    forge.pki.privateKeyFromPem(ca.keyPem) as forge.pki.rsa.PrivateKey, 5, [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      'serverAuth' in use ? { name: 'extKeyUsage', serverAuth: true } : { name: 'extKeyUsage', clientAuth: true },
      ...('serverAuth' in use ? [{ name: 'subjectAltName', altNames: use.altNames.map(altNameOf) }] : []),
    ]);
  return forge.pki.certificateToPem(cert);
}

/** A server certificate for this machine's names, signed by the engine's CA. */
async function issueServer(ca: Authority, hostnames: string[]): Promise<Certificates> {
  const server = await keyPair();
  return { caPem: ca.certPem, certPem: signedBy(ca, hostnames[0], server.publicKey, { serverAuth: true, altNames: hostnames }) + ca.certPem, keyPem: server.pem };
}

/** The engine's client certificate for host agents. */
async function issueClient(ca: Authority): Promise<Certificates> {
  const client = await keyPair();
  return { caPem: ca.certPem, certPem: signedBy(ca, ENGINE_CLIENT_NAME, client.publicKey, { clientAuth: true }), keyPem: client.pem };
}

/** The engine's CA: made once and kept in the database, so every process shares it. */
async function authority(db: Knex): Promise<Authority> {
  const read = async () => db('pki').where('id', 'ca').first<{ cert_pem: string; key_pem: string } | undefined>();
  let row = await read();
  if (!row) {
    const made = await createAuthority();
    // Processes starting together may all get here; the first insert wins and all use it.
    await db('pki').insert({ id: 'ca', cert_pem: made.certPem, key_pem: made.keyPem }).onConflict('id').ignore();
    row = await read();
  }
  if (!row) throw new Error('the engine CA could not be stored');
  return { certPem: row.cert_pem, keyPem: row.key_pem };
}

/**
 * A certificate set kept in `<dataDir>/pki` under the names `files` gives: made by `issue` when
 * missing, and made again when the engine's CA is not the one that signed it.
 */
async function keptIn(db: Knex, dataDir: string, files: Record<keyof Certificates, string>, issue: (ca: Authority) => Promise<Certificates>): Promise<Certificates> {
  const ca = await authority(db);
  const dir = path.join(dataDir, 'pki');
  const at = (k: keyof Certificates) => path.join(dir, files[k]);
  const current = fs.existsSync(at('keyPem')) && fs.existsSync(at('caPem')) && fs.readFileSync(at('caPem'), 'utf8') === ca.certPem;
  if (!current) {
    const made = await issue(ca);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.rmSync(at('keyPem'), { force: true });
    fs.writeFileSync(at('caPem'), made.caPem);
    fs.writeFileSync(at('certPem'), made.certPem);
    // Written last: its presence marks a complete set.
    fs.writeFileSync(at('keyPem'), made.keyPem, { mode: 0o600 });
  }
  return {
    caPem: fs.readFileSync(at('caPem'), 'utf8'),
    certPem: fs.readFileSync(at('certPem'), 'utf8'),
    keyPem: fs.readFileSync(at('keyPem'), 'utf8'),
  };
}

/** The CA, and this process's server certificate kept in `<dataDir>/pki`. */
export function ensureCertificates(db: Knex, dataDir: string, publicHost = os.hostname()): Promise<Certificates> {
  return keptIn(db, dataDir, { caPem: 'ca.pem', certPem: 'server.pem', keyPem: 'server.key' },
    (ca) => issueServer(ca, [...new Set([publicHost, os.hostname(), 'localhost', '127.0.0.1', '::1'])]));
}

/** The engine CA's certificate, as clients pin it (remote-viewer files carry it). */
export async function caCertificate(db: Knex): Promise<string> {
  return (await authority(db)).certPem;
}

/**
 * The engine's client certificate for host agents (common name `hangar-engine`), kept in the
 * data dir beside the server's.
 */
export function engineClientCertificate(db: Knex, dataDir: string): Promise<Certificates> {
  return keptIn(db, dataDir, { caPem: 'engine-client-ca.pem', certPem: 'engine-client.pem', keyPem: 'engine-client.key' }, issueClient);
}

/**
 * A certificate's subject as remote-viewer's `host-subject` names it: its attributes in the
 * certificate's order, comma-separated, special characters escaped as RFC 2253 has them.
 */
export const subjectOf = (pem: string): string => new X509Certificate(pem).subject.split('\n').join(',');

/** Certifies a host agent's key from its request, for the host's address, as a server of that host. */
export async function certifyAgent(db: Knex, csrPem: string, hostName: string, address: string): Promise<string> {
  const csr = forge.pki.certificationRequestFromPem(csrPem);
  if (!csr.verify()) throw new Error('the host agent\'s certificate request is not signed by its key');
  return signedBy(await authority(db), `hangar-agent ${hostName}`, csr.publicKey as forge.pki.PublicKey, { serverAuth: true, altNames: [address] });
}
