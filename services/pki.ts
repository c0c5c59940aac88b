// The engine's own certificate authority and server certificate, made on first start and
// kept in the data dir, so clients can pin the CA served at /ovirt-engine/services/pki-resource.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface Certificates {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** A key pair made by Node; forge only builds and signs certificates with it. */
function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
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

function create(hostnames: string[]): Certificates {
  const ca = keyPair();
  const caName = [{ name: 'commonName', value: `Hangar CA ${os.hostname()}` }, { name: 'organizationName', value: 'Hangar' }];
  const caCert = certificate(caName, caName, ca.publicKey, ca.privateKey, 10, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  const server = keyPair();
  const altNames = hostnames.map((h) => (/^[\d.]+$|:/.test(h) ? { type: 7, ip: h } : { type: 2, value: h }));
  const serverCert = certificate([{ name: 'commonName', value: hostnames[0] }], caName, server.publicKey, ca.privateKey, 5, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
  return {
    caPem: forge.pki.certificateToPem(caCert),
    certPem: forge.pki.certificateToPem(serverCert) + forge.pki.certificateToPem(caCert),
    keyPem: server.pem,
  };
}

/** Loads the certificates from `<dataDir>/pki`, making them on first start. */
export function ensureCertificates(dataDir: string): Certificates {
  const dir = path.join(dataDir, 'pki');
  const files = { caPem: 'ca.pem', certPem: 'server.pem', keyPem: 'server.key' } as const;
  const at = (k: keyof typeof files) => path.join(dir, files[k]);
  if (!fs.existsSync(at('keyPem'))) {
    const made = create([os.hostname(), 'localhost', '127.0.0.1', '::1']);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
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
