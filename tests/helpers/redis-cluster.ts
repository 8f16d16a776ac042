/**
 * A Redis Cluster for the cluster suites: the one `.ci/run` started (`METACLIP_TEST_REDIS_CLUSTER`, a seed URL), else
 * a throwaway three-master cluster this process starts with `scripts/redis-cluster.sh` when `redis-server` is on
 * PATH (stopped after the suite). Without either the suite is skipped, except in CI (`CI` set), where it fails:
 * a cluster test must not pass by not running.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../scripts/lib/local-run';

const run = promisify(execFile);
const SCRIPT = path.join(repoRoot, 'scripts/redis-cluster.sh');

function onPath(bin: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Where the cluster comes from, decided when the suite loads (so it can skip with the reason). */
export const CLUSTER_SOURCE: { kind: 'ci' | 'own' | 'none'; reason: string } = process.env.METACLIP_TEST_REDIS_CLUSTER
  ? {
      kind: 'ci',
      reason: `using the cluster at ${process.env.METACLIP_TEST_REDIS_CLUSTER} (METACLIP_TEST_REDIS_CLUSTER)`,
    }
  : onPath('redis-server') && onPath('redis-cli')
    ? { kind: 'own', reason: 'starting a three-master cluster with scripts/redis-cluster.sh' }
    : { kind: 'none', reason: 'no Redis Cluster: set METACLIP_TEST_REDIS_CLUSTER or put redis-server on PATH' };

if (CLUSTER_SOURCE.kind === 'none' && process.env.CI) {
  throw new Error(`Redis Cluster suite cannot run in CI: ${CLUSTER_SOURCE.reason} (.ci/run starts one)`);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Three ports whose cluster-bus ports (+10000) are free too, away from the usual 6379/7000 ranges. */
async function freeClusterPorts(): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 21000 + Math.floor(Math.random() * 9000);
    const ports = [base, base + 1, base + 2];
    const checks = await Promise.all(ports.flatMap((p) => [portFree(p), portFree(p + 10000)]));
    if (checks.every(Boolean)) return ports;
  }
  throw new Error('no free ports for a Redis Cluster');
}

/** A cluster in use: its seed URL, and `stop()` (a no-op for the CI cluster, which .ci/run owns). */
export interface TestCluster {
  url: string;
  stop(): Promise<void>;
}

/** The CI cluster, or a fresh one. */
export async function startTestCluster(): Promise<TestCluster> {
  const ci = process.env.METACLIP_TEST_REDIS_CLUSTER;
  if (ci) return { url: ci, stop: async () => {} };
  const dir = await mkdtemp(path.join(tmpdir(), 'redis-cluster-'));
  const ports = await freeClusterPorts();
  const stop = async () => {
    await run('bash', [SCRIPT, 'stop', dir]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const { stdout } = await run('bash', [SCRIPT, 'start', dir, ...ports.map(String)], { timeout: 120_000 });
    return { url: stdout.trim(), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
