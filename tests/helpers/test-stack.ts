/**
 * Where the integration suites' Redis and S3 come from, decided once for the whole run (by `tests/setup/global.ts`):
 * - Redis: a `redis` container through testcontainers where a Docker engine answers and `REDIS_URL` is not set, else
 *   the Redis at `REDIS_URL` (default the local one that `.ci/run` starts);
 * - S3: a `minio/minio` container through testcontainers where a Docker engine answers, handed to the suites through
 *   the environment (`s3-endpoint.ts`); else every S3 suite starts an s3rver of its own (`s3-server.ts`).
 * The decision is pure ({@link planTestStack}); starting the containers is the I/O around it.
 */
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer, Wait } from 'testcontainers';
import { handoffEnv, type S3Endpoint } from './s3-endpoint';

/** The Redis image the container path starts. */
export const REDIS_IMAGE = 'redis:7-alpine';
/** The MinIO image the container path starts: the one `docker-compose.yml` deploys (tests/infra-files checks). */
export const MINIO_IMAGE = 'minio/minio:RELEASE.2025-09-07T16-13-09Z';
/** MinIO's root user, whose keys the suites sign with: a throwaway container's, so no secret. */
const MINIO_USER = 'metaclip-test';
const MINIO_PASSWORD = 'metaclip-test-secret';

/** Which backend each service gets, and why: the run prints both. */
export interface StackPlan {
  redis: ({ from: 'container' } | { from: 'local'; url: string }) & { why: string };
  s3: { from: 'container' | 's3rver'; why: string };
}

/** Pure: the backends for a run, given whether a Docker engine answers and the environment. */
export function planTestStack(docker: boolean, env: NodeJS.ProcessEnv): StackPlan {
  const noDocker = 'no Docker engine answers';
  const local = env.REDIS_URL || 'redis://127.0.0.1:6379';
  return {
    redis: env.REDIS_URL
      ? { from: 'local', url: local, why: 'REDIS_URL is set' }
      : docker
        ? { from: 'container', why: 'a Docker engine answers and REDIS_URL is unset' }
        : { from: 'local', url: local, why: `${noDocker}; a testcontainers Redis where one does` },
    s3: docker
      ? { from: 'container', why: 'a Docker engine answers' }
      : { from: 's3rver', why: `${noDocker}; MinIO from testcontainers where one does` },
  };
}

/** Pure: the line the run prints, naming each backend (where the started ones listen) and why it was taken. */
export function describeStack(plan: StackPlan, redisUrl: string, s3?: S3Endpoint): string {
  const redis =
    plan.redis.from === 'local'
      ? `local Redis at ${redisUrl}`
      : `Redis from testcontainers (${REDIS_IMAGE}) at ${redisUrl}`;
  const bucket = s3 ? `MinIO from testcontainers (${s3.backend}) at ${s3.url}` : 'an s3rver per S3 suite';
  return `test stack: ${redis} (${plan.redis.why}), ${bucket} (${plan.s3.why})`;
}

/** The services of one test run. */
export interface TestStack {
  redisUrl: string;
  /** What the suites and the processes they spawn read: `REDIS_URL`, and the S3 hand-over when there is one. */
  env: Record<string, string>;
  /** One line for the test output: which backends, and why. */
  description: string;
  stop(): Promise<void>;
}

/** Whether a container runtime answers (testcontainers' own detection: DOCKER_HOST, the socket, its config). */
export async function dockerAvailable(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false; // "no working container runtime strategy": the local services are the answer, said in the output
  }
}

/** Starts MinIO (`server /data`, its S3 API on 9000), ready once its liveness probe answers. */
async function startMinio(): Promise<{ endpoint: S3Endpoint; container: StartedTestContainer }> {
  const container = await new GenericContainer(MINIO_IMAGE)
    .withCommand(['server', '/data'])
    .withEnvironment({ MINIO_ROOT_USER: MINIO_USER, MINIO_ROOT_PASSWORD: MINIO_PASSWORD })
    .withExposedPorts(9000)
    .withWaitStrategy(Wait.forHttp('/minio/health/live', 9000).forStatusCode(200))
    .start();
  const endpoint = {
    url: `http://${container.getHost()}:${container.getMappedPort(9000)}`,
    accessKeyId: MINIO_USER,
    secretAccessKey: MINIO_PASSWORD,
    backend: MINIO_IMAGE,
  };
  return { endpoint, container };
}

/** Starts (or points at) the run's services, as the module comment says. */
export async function startTestStack(
  env: NodeJS.ProcessEnv = process.env,
  docker: boolean | Promise<boolean> = dockerAvailable(),
): Promise<TestStack> {
  const plan = planTestStack(await docker, env);
  const containers: StartedTestContainer[] = [];
  const stop = async () => {
    await Promise.all(containers.map((c) => c.stop()));
  };
  try {
    let redisUrl: string;
    if (plan.redis.from === 'local') redisUrl = plan.redis.url;
    else {
      const redis = await new GenericContainer(REDIS_IMAGE).withExposedPorts(6379).start();
      containers.push(redis);
      redisUrl = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
    }
    let s3: S3Endpoint | undefined;
    if (plan.s3.from === 'container') {
      const minio = await startMinio();
      containers.push(minio.container);
      s3 = minio.endpoint;
    }
    return {
      redisUrl,
      env: { REDIS_URL: redisUrl, ...(s3 ? handoffEnv(s3) : {}) },
      description: describeStack(plan, redisUrl, s3),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
