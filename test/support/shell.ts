// One bash shell that runs scripts one after another, as a reader pasting them into one terminal:
// what a script defines (variables, functions) the next one sees, and the first command that
// fails (`set -euo pipefail`) ends the shell.
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface ShellRun {
  ok: boolean;
  /** What the script wrote, stdout and stderr as they came. */
  output: string;
}

export class Shell {
  private readonly child: ChildProcessWithoutNullStreams;
  private output = '';
  private exitCode?: number | null;
  private readonly exited: Promise<void>;
  /** Called on each piece of output and at the end: the script under way checks for its end mark. */
  private listener: () => void = () => undefined;
  private scripts = 0;
  /** Whether a script is under way (one that never ends leaves the shell to it). */
  private running = false;

  /** `scriptsDir`: where the scripts are written to be sourced (stdin stays the shell's own). */
  constructor(cwd: string, env: NodeJS.ProcessEnv, private readonly scriptsDir: string) {
    // A process group of its own, so that closing it ends what its scripts started too.
    this.child = spawn('bash', ['--noprofile', '--norc'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const take = (d: Buffer) => {
      this.output += d.toString();
      this.listener();
    };
    this.child.stdout.on('data', take);
    this.child.stderr.on('data', take);
    this.exited = new Promise((resolve) => this.child.on('close', (code) => {
      this.exitCode = code;
      this.listener();
      resolve();
    }));
    this.child.stdin.write('set -euo pipefail\n');
  }

  /** Runs `script` in the shell; nothing it runs reads the shell's input (stdin is /dev/null). */
  run(script: string): Promise<ShellRun> {
    if (this.running) return Promise.resolve({ ok: false, output: 'the script before this one has not ended' });
    const file = path.join(this.scriptsDir, `script-${++this.scripts}.sh`);
    fs.writeFileSync(file, script);
    const mark = `script done ${randomUUID()}`;
    const from = this.output.length;
    this.running = true;
    return new Promise((resolve) => {
      const end = (run: ShellRun) => {
        this.running = false;
        resolve(run);
      };
      this.listener = () => {
        const output = this.output.slice(from);
        if (output.includes(mark)) end({ ok: true, output: output.replace(`${mark}\n`, '') });
        else if (this.exitCode !== undefined) end({ ok: false, output: `${output}(the shell ended with ${this.exitCode})` });
      };
      if (this.exitCode !== undefined) this.listener();
      else this.child.stdin.write(`source '${file}' < /dev/null\necho '${mark}'\n`);
    });
  }

  /** Ends the shell and what it runs. */
  async close(): Promise<void> {
    if (this.exitCode === undefined) process.kill(-(this.child.pid as number), 'SIGKILL');
    await this.exited;
  }
}
