/**
 * s3rver, the S3-API server from npm, in a child process over a fresh temp directory: the test S3 server where no
 * Docker engine answers (see `test-stack.ts`). A child because s3rver needs `--openssl-legacy-provider` (see
 * `s3rver-process.ts`) and so that a suite's own CPU work does not slow its server down.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Endpoint } from './s3-endpoint';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(here, 's3rver-process.ts');
const START_TIMEOUT_MS = 60_000;

/** A running s3rver: where it is, and `stop()`, which also deletes its data. */
export interface S3rver {
  endpoint: S3Endpoint;
  stop(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 (a free port); it accepts the access key `S3RVER` with the secret `S3RVER`. */
export async function startS3rver(): Promise<S3rver> {
  const directory = await mkdtemp(path.join(tmpdir(), 'metaclip-s3rver-'));
  const proc = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--import', 'tsx', CHILD, JSON.stringify({ directory })],
    { cwd: path.resolve(here, '../..'), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      await exited;
    }
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`s3rver did not start within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      proc.on('message', (msg: { type: string; port?: number }) => {
        if (msg.type === 'ready' && msg.port !== undefined) {
          clearTimeout(timer);
          resolve(msg.port);
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`s3rver exited before it was ready (code ${code}, signal ${signal})`));
      });
    });
    const endpoint = {
      url: `http://127.0.0.1:${port}`,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      backend: 's3rver',
    };
    return { endpoint, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
