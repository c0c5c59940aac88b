// The agent's settings, from its environment.
import path from 'node:path';

export interface AgentSettings {
  /** Where the agent keeps its keys and its guests' run directories. */
  runDir: string;
  bind: string;
  port: number;
  /** The one-time enrollment secret; made and printed on first start when not given. */
  secret?: string;
  /** The address incoming migrations and consoles listen on. */
  guestBind: string;
  /** The user QEMU runs as once started, when the agent runs as root and one is named. */
  qemuUser?: string;
  /** Forces TCG even where KVM is usable. */
  noKvm: boolean;
}

export function agentSettings(env: NodeJS.ProcessEnv = process.env): AgentSettings {
  const port = Number(env.HANGAR_AGENT_PORT ?? 54321);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`HANGAR_AGENT_PORT must be a port number, got '${env.HANGAR_AGENT_PORT}'`);
  return {
    runDir: path.resolve(env.HANGAR_AGENT_DIR || './agent-data'),
    bind: env.HANGAR_AGENT_BIND || '0.0.0.0',
    port,
    secret: env.HANGAR_AGENT_SECRET || undefined,
    guestBind: env.HANGAR_AGENT_GUEST_BIND || '0.0.0.0',
    qemuUser: env.HANGAR_AGENT_QEMU_USER || undefined,
    noKvm: env.HANGAR_AGENT_KVM === 'off',
  };
}
