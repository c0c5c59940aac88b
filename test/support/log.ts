// The log of an in-process test engine, kept in memory for tests to read (the latest lines, a
// bounded number); errors are also written to stderr, where a failing test's cause shows.
import { DestinationStream } from 'pino';

const KEPT = 5000;

export interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  [member: string]: unknown;
}

export class MemoryLog implements DestinationStream {
  private lines: string[] = [];

  write(line: string): void {
    this.lines.push(line);
    if (this.lines.length > KEPT) this.lines = this.lines.slice(-KEPT / 2);
    if (/"level":[56]0\b/.test(line)) process.stderr.write(line);
  }

  /** The lines kept, parsed. */
  read(): LogLine[] {
    return this.lines.map((l) => JSON.parse(l) as LogLine);
  }
}
