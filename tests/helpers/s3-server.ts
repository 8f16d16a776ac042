import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { joinUri, storageFor } from '@metaclip-batch/storage';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const CHILD = path.join(here, 's3rver-process.ts');
const START_TIMEOUT_MS = 60_000;

/** An object created or removed on the server, in the order the server reported them. */
export interface S3ServerEvent {
  /** `ObjectCreated:Put` (single PUT), `ObjectCreated:Post` (multipart upload completed), `ObjectRemoved:Delete`... */
  name: string;
  bucket: string;
  key: string;
  size?: number;
}

/** A running S3-API server for a test suite. */
export interface S3Server {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** The AWS variables that point a client (in this process via `storageFor(uri, { env })`, or a child) at it. */
  env: Record<string, string>;
  /**
   * Objects created or removed so far: count writes to prove exactly-once output, or tell PUT from multipart. They
   * come over IPC, sent before the HTTP response but not ordered with it: after a write, poll rather than assume.
   */
  events: S3ServerEvent[];
  /**
   * Stops the server. By default its data is deleted too (call this in `afterAll`); with `keepData` the data and the
   * port stay, so {@link S3Server.restart} brings the same server back: S3 going away for a while.
   */
  stop(opts?: { keepData?: boolean }): Promise<void>;
  /** Stops the server if it runs, then starts it again on the same port with the same data. */
  restart(): Promise<void>;
  /** Uploads every file under `localDir` to `s3Prefix` + its relative path; returns the URIs, sorted. */
  uploadDir(localDir: string, s3Prefix: string): Promise<string[]>;
  /**
   * Writes objects straight into the server's store, bypassing the API: for suites that need thousands of objects
   * (thousands of PUTs through s3rver take tens of seconds on a loaded 2-core machine). Uses s3rver's on-disk
   * layout (`<bucket>/<key>._S3rver_object`; it computes ETags lazily), so test uploads through the API instead.
   */
  seedObjects(bucket: string, objects: Iterable<[key: string, body: string | Uint8Array]>): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1 (a free port) over a fresh temp directory, with `buckets` created, in a child process
 * (see `s3rver-process.ts` for why a child). s3rver also where Docker answers (see `test-stack.ts`): `events` and
 * `seedObjects` are s3rver's, and MinIO has no equivalent of either.
 */
export async function startS3Server(opts: { buckets: string[] }): Promise<S3Server> {
  const directory = await mkdtemp(path.join(tmpdir(), 'metaclip-s3rver-'));
  let port = 0;
  let child: ChildProcess | undefined;
  let dataRemoved = false;
  const events: S3ServerEvent[] = [];

  const launch = async (): Promise<void> => {
    const proc = spawn(
      process.execPath,
      [
        '--openssl-legacy-provider',
        '--import',
        'tsx',
        CHILD,
        JSON.stringify({ port, directory, buckets: opts.buckets }),
      ],
      { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    proc.on('message', (msg: { type: string; event?: S3ServerEvent }) => {
      if (msg.type === 'event' && msg.event) events.push(msg.event);
    });
    const ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`s3rver did not start within ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      proc.on('message', (msg: { type: string; port?: number }) => {
        if (msg.type === 'ready' && msg.port !== undefined) {
          clearTimeout(timer);
          resolve(msg.port);
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`s3rver exited before it was ready (code ${code}, signal ${signal}); port ${port || 'any'}`));
      });
    });
    port = await ready;
    child = proc;
  };

  const halt = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    await exited;
  };

  await launch();
  const endpoint = `http://127.0.0.1:${port}`;
  const env = {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_S3_FORCE_PATH_STYLE: '1',
  };

  return {
    endpoint,
    env,
    events,
    async stop({ keepData = false } = {}) {
      await halt();
      if (!keepData && !dataRemoved) {
        dataRemoved = true;
        await rm(directory, { recursive: true, force: true });
      }
    },
    async restart() {
      if (dataRemoved) throw new Error('cannot restart an S3 server whose data was removed: stop({ keepData: true })');
      await halt();
      await launch();
    },
    async uploadDir(localDir, s3Prefix) {
      const root = path.resolve(localDir);
      const disk = storageFor(root);
      const s3 = storageFor(s3Prefix, { env });
      const uris: string[] = [];
      for await (const file of disk.list(`${root}/`)) {
        const uri = joinUri(s3Prefix, path.relative(root, file.uri));
        await s3.put(uri, await disk.get(file.uri));
        uris.push(uri);
      }
      return uris.sort();
    },
    async seedObjects(bucket, objects) {
      const made = new Set<string>();
      for (const [key, body] of objects) {
        const file = path.join(directory, bucket, `${key}._S3rver_object`);
        const dir = path.dirname(file);
        if (!made.has(dir)) {
          await mkdir(dir, { recursive: true });
          made.add(dir);
        }
        await writeFile(file, body);
      }
    },
  };
}
