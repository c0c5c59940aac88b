// The process's structured log: one JSON object a line (pino), at the level and to the file the
// settings name, stdout otherwise. Lines are written synchronously, so none is lost when the
// process exits; what could carry a credential is redacted wherever it appears.
import pino, { DestinationStream, Logger } from 'pino';
import { Config } from './config';

export type Log = Logger;

/**
 * Members that hold credentials: request headers (a logged request, hapi's and Node's shapes),
 * passwords, tokens and transfer tickets (a ticket id is the data plane's credential).
 */
const SECRETS = ['authorization', 'cookie', 'password', 'token', 'access_token', 'ticket'];
const REDACTED = [
  ...SECRETS,
  ...SECRETS.map((k) => `*.${k}`),
  ...['req.headers', 'headers', 'err.headers'].flatMap((at) => SECRETS.map((k) => `${at}.${k}`)),
  'req.headers["set-cookie"]', 'res.headers["set-cookie"]',
];

/** The log of a process with these settings; tests give their own destination. */
export function openLog(c: Pick<Config, 'logLevel' | 'logFile'>, destination?: DestinationStream): Log {
  return pino({
    level: c.logLevel,
    redact: { paths: REDACTED, censor: '[redacted]' },
    // Times as ISO strings: what people and log stores read without converting.
    timestamp: pino.stdTimeFunctions.isoTime,
  }, destination ?? pino.destination({ dest: c.logFile ?? 1, sync: true, mkdir: true, append: true }));
}
