import { keyPrefixSchema, redisUrlSchema, switchSchema } from './schemas.ts';
import { defineSettings } from './table.ts';

/**
 * The Redis connection settings of the apps that take them as flags (worker, dashboard), declared once so each app's
 * table spreads the same flags, variables, defaults and help. The producer reads the same variables without flags.
 */
export const REDIS_CONNECTION_SETTINGS = defineSettings({
  redisUrl: {
    flag: '--redis-url <url>',
    env: 'REDIS_URL',
    default: 'redis://127.0.0.1:6379',
    schema: redisUrlSchema,
    help: 'Redis holding the queues and run state',
  },
  redisCluster: {
    flag: '--redis-cluster [1|0]',
    env: 'METACLIP_REDIS_CLUSTER',
    default: false,
    schema: switchSchema,
    help: 'the Redis URL is a seed node of a Redis Cluster',
  },
  keyPrefix: {
    flag: '--key-prefix <prefix>',
    env: 'METACLIP_PREFIX',
    default: 'metaclip',
    schema: keyPrefixSchema,
    help: 'Redis key prefix of the run store (the same for producer, workers and dashboard)',
  },
});
