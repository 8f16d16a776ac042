/**
 * The S3-API server of a test suite, whichever the run uses (decided once by `tests/setup/global.ts`, see
 * `test-stack.ts`): the MinIO container the set-up handed over, shared by the suites one after another, or else an
 * s3rver of the suite's own. Suites use only what every S3 server offers: objects go in through PutObject, buckets
 * through CreateBucket, and a suite that counts requests or needs S3 to go away puts `fault-proxy.ts` in front.
 */
import path from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { mapBounded } from '@metaclip-batch/pipeline';
import { type Body, joinUri, S3Storage, storageFor } from '@metaclip-batch/storage';
import { awsEnv, handedOver } from './s3-endpoint';
import { type S3rver, startS3rver } from './s3rver';

/**
 * Requests in flight while seeding or clearing a bucket: s3rver answers from one Node process, so more than this
 * only queues there. Thousands of PUTs still take seconds on a loaded 2-core machine: seed what a test is about.
 */
const PUT_CONCURRENCY = 16;

/** A running S3-API server for a test suite. */
export interface S3Server {
  /** `http://host:port`. */
  endpoint: string;
  /** The AWS variables that point a client (in this process via `storageFor(uri, { env })`, or a child) at it. */
  env: Record<string, string>;
  /** Which server this is, for messages: `s3rver`, or the image of the container. */
  backend: string;
  /** Uploads every file under `localDir` to `s3Prefix` + its relative path; returns the URIs, sorted. */
  uploadDir(localDir: string, s3Prefix: string): Promise<string[]>;
  /** Puts `objects` into `bucket` through the S3 API, {@link PUT_CONCURRENCY} at a time. */
  seedObjects(bucket: string, objects: Iterable<[key: string, body: Body]>): Promise<void>;
  /**
   * Removes the suite's buckets, objects and all, from a shared server, or stops the suite's own s3rver (which
   * deletes its data). Call it in `afterAll`.
   */
  stop(): Promise<void>;
}

/**
 * Connects to the server `env` hands over (see `s3-endpoint.ts`), or starts an s3rver when it hands none, and
 * creates `buckets` there, empty.
 */
export async function startS3Server(
  opts: { buckets: string[] },
  env: Record<string, string | undefined> = process.env,
): Promise<S3Server> {
  const shared = handedOver(env);
  const own = shared === undefined ? await startS3rver() : undefined;
  const endpoint = shared ?? (own as S3rver).endpoint;
  const aws = awsEnv(endpoint);
  const storage = new S3Storage({ env: aws });
  const release = async () => {
    storage.close();
    await own?.stop();
  };
  try {
    for (const bucket of opts.buckets) await createEmptyBucket(storage, bucket);
  } catch (err) {
    await release();
    throw err;
  }
  return {
    endpoint: endpoint.url,
    env: aws,
    backend: endpoint.backend,
    async uploadDir(localDir, s3Prefix) {
      const root = path.resolve(localDir);
      const disk = storageFor(root);
      const uris = await mapBounded(disk.list(`${root}/`), PUT_CONCURRENCY, async (file) => {
        const uri = joinUri(s3Prefix, path.relative(root, file.uri));
        await storage.put(uri, await disk.get(file.uri));
        return uri;
      });
      return uris.sort();
    },
    async seedObjects(bucket, objects) {
      await mapBounded(objects, PUT_CONCURRENCY, ([key, body]) => storage.put(`s3://${bucket}/${key}`, body));
    },
    async stop() {
      try {
        if (shared !== undefined) for (const bucket of opts.buckets) await removeBucket(storage, bucket);
      } finally {
        await release();
      }
    },
  };
}

/** Creates `bucket`, or empties it where an earlier suite left it behind (a shared server outlives suites). */
async function createEmptyBucket(storage: S3Storage, bucket: string): Promise<void> {
  try {
    await storage.client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    const name = (err as Error).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
    await deleteObjects(storage, bucket);
  }
}

async function removeBucket(storage: S3Storage, bucket: string): Promise<void> {
  await deleteObjects(storage, bucket);
  await storage.client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/**
 * Deletes every object in `bucket` one DeleteObject at a time: DeleteObjects would be fewer requests, but it needs
 * a body checksum that S3-compatible servers accept in different forms.
 */
async function deleteObjects(storage: S3Storage, bucket: string): Promise<void> {
  // Listed in full first: deleting keys a listing has yet to page through would be asking for trouble.
  const keys: string[] = [];
  for await (const o of storage.list(`s3://${bucket}/`)) keys.push(o.uri.slice(`s3://${bucket}/`.length));
  await mapBounded(keys, PUT_CONCURRENCY, (key) =>
    storage.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })),
  );
}
