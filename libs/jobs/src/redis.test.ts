import { describe, expect, it } from 'vitest';
import { clusterModeProblem, clusterNodeOptions } from './redis.ts';
import { runKey } from './run-store.ts';

describe('Redis Cluster support', () => {
  it('opens cluster nodes with the seed URL credentials and TLS, and refuses a database number', () => {
    expect(clusterNodeOptions('rediss://ops:p%40ss@redis-0.internal:6380', { maxRetriesPerRequest: null })).toEqual({
      host: 'redis-0.internal',
      port: 6380,
      redisOptions: {
        maxRetriesPerRequest: null,
        username: 'ops',
        password: 'p@ss',
        tls: { servername: 'redis-0.internal' },
      },
    });
    expect(clusterNodeOptions('redis://127.0.0.1').port).toBe(6379);
    expect(clusterNodeOptions('redis://127.0.0.1:7000/0').port).toBe(7000);
    expect(() => clusterNodeOptions('redis://127.0.0.1:7000/5')).toThrow(/only database 0/);
  });

  it('says what to change when the cluster setting and the server disagree', () => {
    const on = '# Cluster\r\ncluster_enabled:1\r\n';
    const off = '# Cluster\r\ncluster_enabled:0\r\n';
    expect(clusterModeProblem(on, true)).toBeNull();
    expect(clusterModeProblem(off, false)).toBeNull();
    expect(clusterModeProblem(off, true)).toMatch(/drop --redis-cluster/);
    expect(clusterModeProblem(on, false)).toMatch(/add --redis-cluster/);
  });

  it('puts every key of a run in the run slot (one hash tag per run)', () => {
    expect(runKey('metaclip', 'r-1')).toBe('metaclip:run:{r-1}');
    expect(runKey('metaclip', 'r-1', 'done')).toBe('metaclip:run:{r-1}:done');
  });
});
