// Who the agent is on the wire. Before enrollment it has a key and a self-signed certificate, and
// a one-time secret the operator gives the engine (as the host's root password). Enrollment gets
// its key certified by the engine's CA; from then on it serves with that certificate and accepts
// only the engine's client certificate, signed by that CA.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import forge from 'node-forge';
import { EnrollmentGrant } from '../model/agent-protocol';

export interface Enrolled {
  key: string;
  cert: string;
  ca: string;
}

export class Identity {
  private readonly dir: string;

  constructor(runDir: string, private readonly givenSecret?: string) {
    this.dir = path.join(runDir, 'pki');
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  private at(name: string): string {
    return path.join(this.dir, name);
  }

  /** The agent's private key, made on first start. */
  get key(): string {
    const file = this.at('agent.key');
    if (!fs.existsSync(file)) {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    }
    return fs.readFileSync(file, 'utf8');
  }

  /** The certificate and CA of a completed enrollment, if there was one. */
  enrolled(): Enrolled | undefined {
    if (!fs.existsSync(this.at('agent.pem')) || !fs.existsSync(this.at('ca.pem'))) return undefined;
    return { key: this.key, cert: fs.readFileSync(this.at('agent.pem'), 'utf8'), ca: fs.readFileSync(this.at('ca.pem'), 'utf8') };
  }

  /**
   * The directory QEMU's SPICE server reads its TLS files from (`x509-dir`), under the names it
   * looks for: the enrolled key and certificate, and the engine's CA that remote-viewer trusts.
   * QEMU reads them as it starts, before `-runas` drops its privileges: they stay the agent's own.
   */
  qemuX509Dir(): string {
    const enrolled = this.enrolled();
    if (!enrolled) throw new Error('the agent is not enrolled');
    const dir = this.at('qemu-x509');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const files = { 'ca-cert.pem': enrolled.ca, 'server-cert.pem': enrolled.cert, 'server-key.pem': enrolled.key };
    for (const [name, pem] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), pem, { mode: 0o600 });
    return dir;
  }

  /** The one-time secret: given in the environment, or made and kept until enrollment. */
  secret(): string {
    if (this.givenSecret) return this.givenSecret;
    const file = this.at('enrollment-secret');
    if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(18).toString('base64url'), { mode: 0o600 });
    return fs.readFileSync(file, 'utf8').trim();
  }

  secretMatches(offered: unknown): boolean {
    const a = Buffer.from(this.secret());
    const b = Buffer.from(typeof offered === 'string' ? offered : '');
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** The self-signed certificate served before enrollment. */
  selfSigned(): string {
    const file = this.at('self-signed.pem');
    if (!fs.existsSync(file)) {
      const key = forge.pki.privateKeyFromPem(this.key) as forge.pki.rsa.PrivateKey;
      const cert = forge.pki.createCertificate();
      cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
      cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
      cert.validity.notBefore = new Date(Date.now() - 3600_000);
      cert.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600_000);
      const name = [{ name: 'commonName', value: `${os.hostname()} (Hangar host agent, not enrolled)` }];
      cert.setSubject(name);
      cert.setIssuer(name);
      cert.sign(key, forge.md.sha256.create());
      fs.writeFileSync(file, forge.pki.certificateToPem(cert));
    }
    return fs.readFileSync(file, 'utf8');
  }

  /** A request for the engine CA to certify the agent's key. */
  certificateRequest(): string {
    const key = forge.pki.privateKeyFromPem(this.key) as forge.pki.rsa.PrivateKey;
    const csr = forge.pki.createCertificationRequest();
    csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
    csr.setSubject([{ name: 'commonName', value: os.hostname() }]);
    csr.sign(key, forge.md.sha256.create());
    return forge.pki.certificationRequestToPem(csr);
  }

  /** Keeps what the engine granted, once it certifies this agent's own key; the secret is spent. */
  complete(grant: EnrollmentGrant): void {
    const cert = forge.pki.certificateFromPem(grant.certificate);
    const ca = forge.pki.certificateFromPem(grant.ca);
    const mine = forge.pki.privateKeyFromPem(this.key) as forge.pki.rsa.PrivateKey;
    const theirs = cert.publicKey as forge.pki.rsa.PublicKey;
    if (theirs.n.compareTo(mine.n) !== 0) throw new Error('the certificate is not for this agent\'s key');
    if (!ca.verify(cert)) throw new Error('the certificate is not signed by the CA sent with it');
    fs.writeFileSync(this.at('ca.pem'), grant.ca);
    fs.writeFileSync(this.at('agent.pem'), grant.certificate);
    fs.rmSync(this.at('enrollment-secret'), { force: true });
  }
}
