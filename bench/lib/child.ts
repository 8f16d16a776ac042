/**
 * Runs one sub-benchmark script in its own Node process and takes the JSON object it prints as its last stdout line.
 * Each measurement gets a fresh process so that one session's thread pool, arena or leak cannot colour the next.
 */
import { spawn } from 'node:child_process';

/** A sub-benchmark that failed, timed out or did not end with a JSON line. */
export class SubBenchmarkError extends Error {
  override name = 'SubBenchmarkError';
  constructor(
    message: string,
    /** The script that failed, relative to the repo root. */
    readonly script: string,
    /** Its last lines of stderr, for the report. */
    readonly stderrTail: string,
  ) {
    super(message);
  }
}

/** Options of {@link runJsonScript}. */
export interface RunScriptOptions {
  cwd: string;
  /** Killed (SIGKILL to its process group) after this long. */
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** Prefix of the child's stderr lines as they are forwarded to ours, so progress stays visible. */
  label: string;
  /** Called with the child's pid once it runs (to sample its memory, say). */
  onSpawn?: (pid: number) => void;
  /** The interpreter and its arguments before the script. Default: this Node with tsx (a Python peer: `[python]`). */
  command?: readonly string[];
}

/**
 * Runs `tsx <script> ...args` (or `opts.command <script> ...args`) and resolves with the parsed last non-empty stdout line. Everything else the script
 * prints (its own table, progress) is forwarded to our stderr, so our stdout stays ours.
 *
 * @throws SubBenchmarkError when the script exits non-zero, times out, or its last line is not a JSON object.
 */
export function runJsonScript(script: string, args: readonly string[], opts: RunScriptOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const [bin, ...pre] = opts.command ?? [process.execPath, '--conditions=source', '--import', 'tsx'];
    const child = spawn(bin as string, [...pre, script, ...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    let stdout = '';
    const tail: string[] = [];
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        process.stderr.write(`  [${opts.label}] ${line}\n`);
        tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    };
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', forward);
    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    // SIGTERM to the whole group first (a worker the script started finishes its shard and exits), SIGKILL if
    // anything is still there after a grace period.
    const signal = (sig: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // The group is already gone: nothing left to stop.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      signal('SIGTERM');
      killer = setTimeout(() => signal('SIGKILL'), 15_000);
    }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      clearTimeout(killer);
      reject(new SubBenchmarkError(`${script}: ${err.message}`, script, tail.join('\n')));
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      clearTimeout(killer);
      const lines = stdout.split('\n').filter((l) => l.trim());
      for (const l of lines.slice(0, -1)) forward(Buffer.from(l));
      const fail = (why: string) => reject(new SubBenchmarkError(`${script}: ${why}`, script, tail.join('\n')));
      if (timedOut) return fail(`timed out after ${opts.timeoutMs} ms`);
      if (code !== 0) return fail(`exited with ${code ?? sig}`);
      const last = lines.at(-1);
      if (!last) return fail('printed nothing on stdout');
      try {
        const parsed: unknown = JSON.parse(last);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          return fail('last line is not a JSON object');
        resolve(parsed);
      } catch {
        fail(`last stdout line is not JSON: ${last.slice(0, 200)}`);
      }
    });
  });
}
