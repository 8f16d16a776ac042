/**
 * The demo's Redis: the one at REDIS_URL when something answers there; otherwise, for a loopback URL, a private
 * `redis-server` on a free port that lives as long as the demo; otherwise one line saying how to get Redis.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** How to get a Redis when there is none: one line. */
export const NO_REDIS_HINT =
  'install redis-server (apt-get install redis-server, or brew install redis) or start one with ' +
  '`docker run -d -p 6379:6379 redis:7`, then run the demo again';

/** A Redis the demo can use, and how to let go of it. */
export interface DemoRedis {
  url: string;
  /** Whether the demo started it (and `stop` ends it). */
  started: boolean;
  stop(): Promise<void>;
}

/** Whether something accepts connections at host:port (any Redis reply will do, even NOAUTH). */
export function answers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The first `redis-server` on PATH, or undefined. */
export function findOnPath(name: string, pathVar = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVar.split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  return undefined;
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * A Redis for the demo.
 *
 * @throws Error with {@link NO_REDIS_HINT} when nothing answers at `url` and no private server can be started.
 */
export async function demoRedis(url: string): Promise<DemoRedis> {
  const parsed = new URL(url);
  const port = Number(parsed.port || 6379);
  if (await answers(parsed.hostname, port)) return { url, started: false, stop: async () => {} };
  const server = findOnPath('redis-server');
  if (!LOOPBACK.has(parsed.hostname) || server === undefined) {
    throw new Error(`nothing answers at ${parsed.host} and there is no redis-server on PATH: ${NO_REDIS_HINT}`);
  }
  const own = await freePort();
  const child: ChildProcess = spawn(
    server,
    ['--port', String(own), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    if (await answers('127.0.0.1', own)) {
      const db = parsed.pathname.length > 1 ? parsed.pathname : '';
      return { url: `redis://127.0.0.1:${own}${db}`, started: true, stop };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`redis-server (${server}) did not start on port ${own}: ${NO_REDIS_HINT}`);
}
