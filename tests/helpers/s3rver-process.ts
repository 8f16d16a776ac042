/**
 * Child process behind `startS3Server`: runs s3rver and reports over IPC. It must run under
 * `node --openssl-legacy-provider`, because s3rver encrypts ListObjectsV2 continuation tokens with DES, which
 * OpenSSL 3 (Node >= 17) only offers from its legacy provider: without it every paginated listing fails with a 500.
 *
 * Config comes as JSON in argv[2]: `{ port, directory, buckets }`. Messages to the parent:
 * `{ type: 'ready', port }` once listening and `{ type: 'event', event }` for every object created or removed.
 * It exits when told (SIGTERM) or when the parent goes away (IPC disconnect), so no server outlives its test.
 */
import { createRequire } from 'node:module';

interface S3rverConfig {
  port: number;
  directory: string;
  buckets: string[];
}

interface S3rverEvent {
  Records: { eventName: string; s3: { bucket: { name: string }; object: { key: string; size?: number } } }[];
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  on(event: 'event', listener: (e: S3rverEvent) => void): void;
}

// s3rver is CommonJS without type declarations: load it untyped and describe the little we use above.
const S3rver = createRequire(import.meta.url)('s3rver') as new (opts: object) => S3rverInstance;

const config = JSON.parse(process.argv[2] ?? '{}') as S3rverConfig;
const server = new S3rver({
  address: '127.0.0.1',
  port: config.port,
  directory: config.directory,
  silent: true,
  configureBuckets: config.buckets.map((name) => ({ name, configs: [] })),
});

server.on('event', (e) => {
  for (const record of e.Records) {
    process.send?.({
      type: 'event',
      event: {
        name: record.eventName,
        bucket: record.s3.bucket.name,
        key: record.s3.object.key,
        size: record.s3.object.size,
      },
    });
  }
});

const shutdown = () => {
  server.close().finally(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('disconnect', shutdown);

const { port } = await server.run();
process.send?.({ type: 'ready', port });
