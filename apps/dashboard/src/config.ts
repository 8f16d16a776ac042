import { redactSecrets } from '@metaclip-batch/telemetry';
import { z } from 'zod';
import { DashboardConfigError } from './errors';

/** Shortest bearer token accepted: a guessable token is no protection for a page that can delete jobs. */
export const MIN_TOKEN_LENGTH = 16;
/** Shortest basic-auth password accepted. */
export const MIN_PASSWORD_LENGTH = 12;

/** Defaults of the settings that have one, as the CLI shows them in `--help`. */
export const DEFAULTS = {
  host: '127.0.0.1',
  port: '3000',
  redisUrl: 'redis://127.0.0.1:6379',
  discoverInterval: '10',
  runs: '50',
  keyPrefix: 'metaclip',
} as const;

/** Credentials the dashboard accepts; either, both or none may be configured. */
export interface AuthConfig {
  basic?: { user: string; password: string };
  token?: string;
}

/** Validated dashboard settings. Holds secrets: log {@link describeConfig} instead. */
export interface DashboardConfig {
  host: string;
  port: number;
  redisUrl: string;
  /** Prefix of the run store's Redis keys; producer and workers must use the same. */
  keyPrefix: string;
  /** Queues to show in Bull Board besides those named by runs. */
  queues: string[];
  /** How often the queue list is rediscovered from the run store. */
  discoverIntervalMs: number;
  /** How many of the newest runs the runs page and API show. */
  runsLimit: number;
  auth: AuthConfig;
  /** Host address a container's port is published on (`docker -p ADDR:...`), when running in a container. */
  publishedHost?: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
}

/** Command-line flags as the CLI parser hands them over (strings, before validation). */
export interface DashboardFlags {
  host?: string;
  port?: string;
  redisUrl?: string;
  keyPrefix?: string;
  queue?: string[];
  discoverInterval?: string;
  runs?: string;
  publishedHost?: string;
}

const QueueNameSchema = z
  .string()
  .min(1)
  .refine((q) => !q.includes(':'), 'a queue name cannot contain ":"');

const ConfigSchema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  redisUrl: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://'),
  keyPrefix: z.string().regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" or "-"'),
  queues: z.array(QueueNameSchema),
  discoverIntervalMs: z.coerce
    .number()
    .min(1, 'at least 1 second')
    .transform((s) => Math.round(s * 1000)),
  runsLimit: z.coerce.number().int().min(1).max(1000),
  publishedHost: z.string().min(1).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']),
  auth: z.object({
    basic: z
      .object({
        user: z
          .string()
          .min(1)
          .refine((u) => !u.includes(':'), 'DASHBOARD_USER cannot contain ":"'),
        password: z
          .string()
          .min(MIN_PASSWORD_LENGTH, `DASHBOARD_PASSWORD needs at least ${MIN_PASSWORD_LENGTH} characters`),
      })
      .optional(),
    token: z.string().min(MIN_TOKEN_LENGTH, `DASHBOARD_TOKEN needs at least ${MIN_TOKEN_LENGTH} characters`).optional(),
  }),
});

/** Compose and Kubernetes pass unset settings as empty strings; treat those as absent. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * Pure: build the settings from flags and environment (flags win) and check that they are safe to serve.
 * Credentials come only from the environment: a flag would show them to anyone who can list processes.
 *
 * @throws {@link DashboardConfigError} with a message for a person when a value is invalid or the bind is unsafe.
 */
export function resolveConfig(flags: DashboardFlags, env: Record<string, string | undefined>): DashboardConfig {
  const user = nonEmpty(env.DASHBOARD_USER);
  const password = nonEmpty(env.DASHBOARD_PASSWORD);
  if ((user === undefined) !== (password === undefined)) {
    throw new DashboardConfigError('set both DASHBOARD_USER and DASHBOARD_PASSWORD for basic auth, or neither');
  }
  const parsed = ConfigSchema.safeParse({
    host: flags.host ?? DEFAULTS.host,
    port: flags.port ?? DEFAULTS.port,
    redisUrl: flags.redisUrl ?? nonEmpty(env.REDIS_URL) ?? DEFAULTS.redisUrl,
    keyPrefix: flags.keyPrefix ?? nonEmpty(env.METACLIP_PREFIX) ?? DEFAULTS.keyPrefix,
    queues: [...new Set(flags.queue ?? [])],
    discoverIntervalMs: flags.discoverInterval ?? DEFAULTS.discoverInterval,
    runsLimit: flags.runs ?? DEFAULTS.runs,
    publishedHost: flags.publishedHost ?? nonEmpty(env.DASHBOARD_PUBLISHED_HOST),
    logLevel: nonEmpty(env.LOG_LEVEL) ?? 'info',
    auth: {
      basic: user !== undefined && password !== undefined ? { user, password } : undefined,
      token: nonEmpty(env.DASHBOARD_TOKEN),
    },
  });
  if (!parsed.success) throw new DashboardConfigError(`invalid dashboard settings:\n${z.prettifyError(parsed.error)}`);
  const config = parsed.data;
  checkBindSafety(config);
  return config;
}

/** Whether a listen address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Whether any credentials are configured. */
export function hasCredentials(auth: AuthConfig): boolean {
  return auth.basic !== undefined || auth.token !== undefined;
}

/**
 * Pure: refuse to listen beyond loopback without credentials. Bull Board can retry, promote and delete jobs, and the
 * runs page shows bucket paths, so an open port is an open door. The one exception is a container whose port the
 * host publishes on loopback only (`publishedHost`): the container must listen on 0.0.0.0 to be reachable at all.
 *
 * @throws {@link DashboardConfigError}
 */
export function checkBindSafety(config: Pick<DashboardConfig, 'host' | 'auth' | 'publishedHost'>): void {
  if (isLoopback(config.host) || hasCredentials(config.auth)) return;
  if (config.publishedHost !== undefined && isLoopback(config.publishedHost)) return;
  const published =
    config.publishedHost === undefined ? '' : ` (published on ${config.publishedHost}, which is not loopback either)`;
  throw new DashboardConfigError(
    `refusing to listen on ${config.host}${published} without credentials: anyone who can reach the port could ` +
      'see your runs and retry or delete jobs in Bull Board.\n' +
      'Either set DASHBOARD_TOKEN (bearer token) or DASHBOARD_USER and DASHBOARD_PASSWORD (basic auth), ' +
      'or keep the default --host 127.0.0.1 and reach it through `ssh -L 3000:127.0.0.1:3000` or ' +
      '`kubectl port-forward`.',
  );
}

/** Pure: the settings without secrets, for logs (Redis password redacted, auth kinds only). */
export function describeConfig(config: DashboardConfig): Record<string, unknown> {
  return {
    host: config.host,
    port: config.port,
    redis: redactSecrets(config.redisUrl),
    keyPrefix: config.keyPrefix,
    queues: config.queues,
    discoverIntervalMs: config.discoverIntervalMs,
    runsLimit: config.runsLimit,
    publishedHost: config.publishedHost,
    auth: [config.auth.basic ? 'basic' : null, config.auth.token ? 'bearer' : null].filter(Boolean),
  };
}
