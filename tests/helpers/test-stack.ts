/**
 * Where the integration suites' Redis comes from, decided once for the whole run (by `tests/setup/global.ts`): a
 * `redis` container through testcontainers where a Docker engine answers and `REDIS_URL` is not set, else the
 * Redis at `REDIS_URL` (default the local one that `.ci/run` starts). The S3 suites keep s3rver either way: they
 * count writes through its event stream and seed objects in its on-disk layout, which MinIO has no equivalent of.
 */
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';

/** The Redis image the container path starts. */
export const REDIS_IMAGE = 'redis:7-alpine';

/** The services of one test run. */
export interface TestStack {
  redisUrl: string;
  /** One line for the test output: which backend, and why. */
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

/** Starts (or points at) the run's Redis, as the module comment says. */
export async function startTestStack(env: NodeJS.ProcessEnv = process.env): Promise<TestStack> {
  const local = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (env.REDIS_URL || !(await dockerAvailable())) {
    const why = env.REDIS_URL ? 'REDIS_URL is set' : 'no Docker engine answers';
    return {
      redisUrl: local,
      description: `test stack: local Redis at ${local} and s3rver (${why}; testcontainers' Redis is used where Docker answers and REDIS_URL is unset)`,
      stop: async () => undefined,
    };
  }
  const container: StartedTestContainer = await new GenericContainer(REDIS_IMAGE).withExposedPorts(6379).start();
  const redisUrl = `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
  return {
    redisUrl,
    description: `test stack: Redis from testcontainers (${REDIS_IMAGE}) at ${redisUrl}, and s3rver`,
    stop: async () => {
      await container.stop();
    },
  };
}
