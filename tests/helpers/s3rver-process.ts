/**
 * Child process behind `startS3rver` (`s3rver.ts`): runs s3rver and says over IPC when it listens. It must run under
 * `node --openssl-legacy-provider`, because s3rver encrypts ListObjectsV2 continuation tokens with DES, which
 * OpenSSL 3 (Node >= 17) only offers from its legacy provider: without it every paginated listing fails with a 500.
 *
 * Config comes as JSON in argv[2]: `{ directory }`. It sends `{ type: 'ready', port }` once listening, exits when
 * told (SIGTERM) or when the parent goes away (IPC disconnect), so no server outlives its test. Buckets are created
 * through the S3 API, as on any other server.
 */
import { createRequire } from 'node:module';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

// s3rver is CommonJS without type declarations: load it untyped and describe the little we use above.
const S3rver = createRequire(import.meta.url)('s3rver') as new (opts: object) => S3rverInstance;

const config = JSON.parse(process.argv[2] ?? '{}') as { directory: string };
const server = new S3rver({ address: '127.0.0.1', port: 0, directory: config.directory, silent: true });

const shutdown = () => {
  server.close().finally(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('disconnect', shutdown);

const { port } = await server.run();
process.send?.({ type: 'ready', port });
