// qemu-guest-agent in a guest, reached through the virtio-serial channel QEMU serves on a Unix
// socket: each round connects, synchronises with `guest-sync-delimited` (so that answers a
// previous round left in the channel are not taken for this one's) and reads the guest's facts,
// as vdsm reads them. A guest without an agent never answers the sync: it has no facts, and that
// is no error.
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { GuestAgentFacts } from '../model/agent-protocol';

/** How often the facts are read again: an interface plugged in shows by the next round. */
const ROUND_MS = 5000;

/** How long the agent has to answer one command; a busy TCG guest is slow, not silent. */
const ANSWER_MS = 5000;

/** The byte qemu-guest-agent resets its parser on, and sends ahead of its answer to a delimited sync. */
const DELIMITER = 0xff;

class Channel {
  private buffered = Buffer.alloc(0);
  private wake?: () => void;
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static open(path: string): Promise<Channel> {
    return new Promise((resolve, reject) => {
      const s = net.connect(path);
      s.once('connect', () => resolve(new Channel(s)));
      s.once('error', reject);
    });
  }

  /** Waits until `take` finds what it needs in the bytes read so far, until `deadline`. */
  private async read<T>(deadline: number, take: () => T | undefined): Promise<T> {
    for (;;) {
      const got = take();
      if (got !== undefined) return got;
      const left = deadline - Date.now();
      if (this.closed || left <= 0) throw new Error('the guest agent did not answer');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The next whole JSON line read. */
  private line(): Record<string, unknown> | undefined {
    for (;;) {
      const end = this.buffered.indexOf(0x0a);
      if (end < 0) return undefined;
      const text = this.buffered.subarray(0, end).toString('utf8').trim();
      this.buffered = this.buffered.subarray(end + 1);
      try {
        if (text) return JSON.parse(text) as Record<string, unknown>;
      } catch {
        // Half an answer of an earlier round: skipped.
      }
    }
  }

  async sync(): Promise<void> {
    const id = randomInt(2 ** 31);
    this.socket.write(Buffer.concat([Buffer.from([DELIMITER]), Buffer.from(`${JSON.stringify({ execute: 'guest-sync-delimited', arguments: { id } })}\n`)]));
    const deadline = Date.now() + ANSWER_MS;
    for (;;) {
      await this.read(deadline, () => {
        const at = this.buffered.indexOf(DELIMITER);
        if (at < 0) return undefined;
        this.buffered = this.buffered.subarray(at + 1);
        return true;
      });
      const answer = await this.read(deadline, () => this.line());
      if (answer.return === id) return;
    }
  }

  /** Runs a command; one the agent refuses (an old agent, a command it lacks) answers undefined. */
  async execute<R>(command: string): Promise<R | undefined> {
    this.socket.write(`${JSON.stringify({ execute: command })}\n`);
    const answer = await this.read(Date.now() + ANSWER_MS, () => this.line());
    return 'return' in answer ? (answer.return as R) : undefined;
  }

  close(): void {
    this.socket.destroy();
  }
}

interface OsInfo { id?: string; name?: string; version?: string; 'version-id'?: string; 'kernel-release'?: string; machine?: string }
interface Interface { name: string; 'hardware-address'?: string; 'ip-addresses'?: { 'ip-address': string; 'ip-address-type': 'ipv4' | 'ipv6'; prefix: number }[] }

/** Reads a guest's facts through the channel at `path`; undefined when no agent answers. */
export async function readFacts(path: string): Promise<GuestAgentFacts | undefined> {
  const channel = await Channel.open(path).catch(() => undefined);
  if (!channel) return undefined;
  try {
    await channel.sync();
    const os = await channel.execute<OsInfo>('guest-get-osinfo');
    const host = await channel.execute<{ 'host-name': string }>('guest-get-host-name');
    const timezone = await channel.execute<{ zone?: string; offset: number }>('guest-get-timezone');
    const interfaces = (await channel.execute<Interface[]>('guest-network-get-interfaces')) ?? [];
    return {
      os: {
        id: os?.id, name: os?.name, version: os?.version, versionId: os?.['version-id'],
        kernelRelease: os?.['kernel-release'], machine: os?.machine,
      },
      hostname: host?.['host-name'],
      timezone,
      interfaces: interfaces
        .filter((i) => i.name !== 'lo')
        .map((i) => ({
          name: i.name, mac: i['hardware-address'],
          addresses: (i['ip-addresses'] ?? []).map((a) => ({ address: a['ip-address'], prefix: a.prefix, version: a['ip-address-type'] === 'ipv6' ? 'v6' as const : 'v4' as const })),
        })),
    };
  } catch {
    return undefined;
  } finally {
    channel.close();
  }
}

/** Reads a running guest's facts every round, until stopped; `facts` holds the last answer. */
export class GuestAgentWatch {
  facts?: GuestAgentFacts;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly path: string) {}

  start(): void {
    const round = async () => {
      const facts = await readFacts(this.path);
      if (this.stopped) return;
      this.facts = facts;
      this.timer = setTimeout(() => void round(), ROUND_MS);
    };
    void round();
  }

  stop(): void {
    this.stopped = true;
    this.facts = undefined;
    clearTimeout(this.timer);
  }
}
