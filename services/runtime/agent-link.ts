// The engine's side of the link to host agents: JSON over HTTPS with the engine's client
// certificate, trusting only the certificate each agent was enrolled with.
import https from 'node:https';
import { X509Certificate } from 'node:crypto';
import { EnrollmentGrant, EnrollmentRequest } from '../../model/agent-protocol';
import { Certificates } from '../pki';

/** An answer of an agent that is not a success: the status and the agent's reason. */
export class AgentError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Where an agent listens. */
export interface AgentAddress {
  address: string;
  port: number;
}

interface Exchange {
  method: string;
  path: string;
  body?: unknown;
  timeoutMs: number;
}

function exchange<T>(at: AgentAddress, options: https.RequestOptions, x: Exchange): Promise<T> {
  const payload = x.body === undefined ? undefined : Buffer.from(JSON.stringify(x.body));
  return new Promise<T>((resolve, reject) => {
    const req = https.request({
      host: at.address, port: at.port, method: x.method, path: x.path, timeout: x.timeoutMs, ...options,
      headers: { accept: 'application/json', ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const parsed = text ? (JSON.parse(text) as unknown) : undefined;
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(parsed as T);
        else reject(new AgentError(status, String((parsed as { message?: string } | undefined)?.message ?? `the agent answered ${status}`)));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`the agent did not answer within ${x.timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The SHA-256 fingerprint of a PEM certificate, as Node writes it for a peer's. */
export const fingerprintOf = (pem: string): string => new X509Certificate(pem).fingerprint256;

export class AgentLink {
  /** Kept-alive connections, one pool per agent and the certificate it must show. */
  private readonly pools = new Map<string, https.Agent>();

  constructor(private readonly client: Certificates) {}

  private pool(at: AgentAddress, fingerprint: string): https.Agent {
    const key = `${at.address}:${at.port}/${fingerprint}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new https.Agent({
        keepAlive: true, maxSockets: 8, ca: this.client.caPem, cert: this.client.certPem, key: this.client.keyPem,
        checkServerIdentity: (_host, cert) => (cert.fingerprint256 === fingerprint ? undefined : new Error('the host agent shows a certificate other than the one it was enrolled with')),
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  request<T>(at: AgentAddress, fingerprint: string, method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
    return exchange<T>(at, { agent: this.pool(at, fingerprint) }, { method, path, body, timeoutMs });
  }

  /**
   * Enrolls the agent at `at` that holds `secret`: it sends its certificate request, `certify`
   * signs it with the engine CA. The agent is not known yet, so its self-signed certificate is
   * taken on the secret's word (as a first SSH connection takes a host key).
   */
  async enroll(at: AgentAddress, secret: string, certify: (csr: string) => Promise<string>): Promise<string> {
    const unverified = { rejectUnauthorized: false, agent: false as const };
    const { csr } = await exchange<EnrollmentRequest>(at, unverified, { method: 'POST', path: '/enrollment', body: { secret }, timeoutMs: 30_000 });
    const certificate = await certify(csr);
    const grant: EnrollmentGrant = { secret, certificate, ca: this.client.caPem };
    await exchange(at, unverified, { method: 'PUT', path: '/enrollment', body: grant, timeoutMs: 30_000 });
    return certificate;
  }

  close(): void {
    for (const pool of this.pools.values()) pool.destroy();
  }
}
