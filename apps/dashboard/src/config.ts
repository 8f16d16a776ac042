import {
  ConfigError,
  defineSettings,
  logLevelSchema,
  REDIS_CONNECTION_SETTINGS,
  resolveSettings,
} from '@metaclip-batch/settings';
import { redactSecrets } from '@metaclip-batch/telemetry';
import { z } from 'zod';

/** Shortest bearer token accepted: a guessable token is no protection for a page that can delete jobs. */
export const MIN_TOKEN_LENGTH = 16;
/** Shortest basic-auth password accepted. */
export const MIN_PASSWORD_LENGTH = 12;

/** One set of credentials: a bearer token, basic credentials, either or both. */
export interface Credentials {
  basic?: { user: string; password: string };
  token?: string;
}

/**
 * Credentials the dashboard accepts; either, both or none may be configured. `admin` ones also let Bull Board
 * retry, promote and remove jobs; with the others (or none) it is read-only, since a job removed there is gone
 * behind the run store's back.
 */
export interface AuthConfig extends Credentials {
  admin?: Credentials;
}

/** Validated dashboard settings. Holds secrets: log {@link describeConfig} instead. */
export interface DashboardConfig {
  host: string;
  port: number;
  redisUrl: string;
  /** True: `redisUrl` is a seed node of a Redis Cluster. */
  redisCluster: boolean;
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
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

const QueueNameSchema = z
  .string()
  .min(1)
  .refine((q) => !q.includes(':'), 'a queue name cannot contain ":"');

/**
 * The dashboard's settings table. Credentials have no flag: a flag would show them to anyone who can list processes.
 */
export const DASHBOARD_SETTINGS = defineSettings({
  host: {
    flag: '--host <address>',
    env: 'METACLIP_DASHBOARD_HOST',
    default: '127.0.0.1',
    schema: z.string().min(1),
    help: 'address to listen on',
  },
  port: {
    flag: '--port <number>',
    env: 'METACLIP_DASHBOARD_PORT',
    default: 3000,
    schema: z.coerce.number().int().min(0).max(65535),
    help: 'port to listen on (0: any free port)',
  },
  ...REDIS_CONNECTION_SETTINGS,
  queue: {
    flag: '--queue <name>',
    env: 'METACLIP_QUEUE',
    default: [],
    repeatable: true,
    schema: z.array(QueueNameSchema).transform((q) => [...new Set(q)]),
    help: 'also show this queue in Bull Board (repeatable; the variable: comma-separated)',
  },
  discoverInterval: {
    flag: '--discover-interval <seconds>',
    env: 'METACLIP_DASHBOARD_DISCOVER_INTERVAL',
    default: 10,
    schema: z.coerce
      .number()
      .min(1, 'at least 1 second')
      .transform((s) => Math.round(s * 1000)),
    help: 'how often to look for new queues in runs',
  },
  runs: {
    flag: '--runs <count>',
    env: 'METACLIP_DASHBOARD_RUNS',
    default: 50,
    schema: z.coerce.number().int().min(1).max(1000),
    help: 'how many of the newest runs to show',
  },
  publishedHost: {
    flag: '--published-host <address>',
    env: 'METACLIP_DASHBOARD_PUBLISHED_HOST',
    deprecatedEnv: ['DASHBOARD_PUBLISHED_HOST'],
    schema: z.string().min(1).optional(),
    help: 'in a container: the host address its port is published on; loopback lets --host 0.0.0.0 run without credentials',
  },
  logLevel: { env: 'LOG_LEVEL', default: 'info', schema: logLevelSchema, help: 'log level' },
  token: {
    env: 'METACLIP_DASHBOARD_TOKEN',
    deprecatedEnv: ['DASHBOARD_TOKEN'],
    secret: true,
    schema: z.string().min(MIN_TOKEN_LENGTH, `needs at least ${MIN_TOKEN_LENGTH} characters`).optional(),
    help: `bearer token (at least ${MIN_TOKEN_LENGTH} characters): "Authorization: Bearer <token>"`,
  },
  user: {
    env: 'METACLIP_DASHBOARD_USER',
    deprecatedEnv: ['DASHBOARD_USER'],
    schema: z
      .string()
      .refine((u) => !u.includes(':'), 'cannot contain ":"')
      .optional(),
    help: 'basic-auth user name (with METACLIP_DASHBOARD_PASSWORD)',
  },
  password: {
    env: 'METACLIP_DASHBOARD_PASSWORD',
    deprecatedEnv: ['DASHBOARD_PASSWORD'],
    secret: true,
    schema: z.string().min(MIN_PASSWORD_LENGTH, `needs at least ${MIN_PASSWORD_LENGTH} characters`).optional(),
    help: `basic-auth password (at least ${MIN_PASSWORD_LENGTH} characters)`,
  },
  adminToken: {
    env: 'METACLIP_DASHBOARD_ADMIN_TOKEN',
    secret: true,
    schema: z.string().min(MIN_TOKEN_LENGTH, `needs at least ${MIN_TOKEN_LENGTH} characters`).optional(),
    help: 'bearer token that may also act in Bull Board (retry, promote, remove jobs); Bull Board is read-only otherwise',
  },
  adminUser: {
    env: 'METACLIP_DASHBOARD_ADMIN_USER',
    schema: z
      .string()
      .refine((u) => !u.includes(':'), 'cannot contain ":"')
      .optional(),
    help: 'basic-auth user that may also act in Bull Board (with METACLIP_DASHBOARD_ADMIN_PASSWORD)',
  },
  adminPassword: {
    env: 'METACLIP_DASHBOARD_ADMIN_PASSWORD',
    secret: true,
    schema: z.string().min(MIN_PASSWORD_LENGTH, `needs at least ${MIN_PASSWORD_LENGTH} characters`).optional(),
    help: `password of the admin user (at least ${MIN_PASSWORD_LENGTH} characters)`,
  },
});

const BOTH_OR_NEITHER = `set both ${DASHBOARD_SETTINGS.user.env} and ${DASHBOARD_SETTINGS.password.env} for basic auth, or neither`;
const ADMIN_BOTH_OR_NEITHER = `set both ${DASHBOARD_SETTINGS.adminUser.env} and ${DASHBOARD_SETTINGS.adminPassword.env}, or neither`;

function credentials(user: string | undefined, password: string | undefined, token: string | undefined): Credentials {
  return {
    ...(user !== undefined && password !== undefined ? { basic: { user, password } } : {}),
    ...(token !== undefined ? { token } : {}),
  };
}

/**
 * Pure: build the settings from flags and environment (flags win) and check that they are safe to serve.
 *
 * @throws {@link ConfigError} with a message for a person when a value is invalid or the bind is unsafe.
 */
export function resolveConfig(
  flags: Record<string, unknown>,
  env: Record<string, string | undefined>,
): DashboardConfig {
  const { token, user, password, adminToken, adminUser, adminPassword, queue, discoverInterval, runs, ...rest } =
    resolveSettings(DASHBOARD_SETTINGS, { flags, env }, (s) => [
      ...((s.user === undefined) === (s.password === undefined)
        ? []
        : [{ key: s.user === undefined ? 'user' : 'password', message: BOTH_OR_NEITHER }]),
      ...((s.adminUser === undefined) === (s.adminPassword === undefined)
        ? []
        : [{ key: s.adminUser === undefined ? 'adminUser' : 'adminPassword', message: ADMIN_BOTH_OR_NEITHER }]),
    ]);
  const admin = credentials(adminUser, adminPassword, adminToken);
  const config: DashboardConfig = {
    ...rest,
    queues: queue,
    discoverIntervalMs: discoverInterval,
    runsLimit: runs,
    auth: { ...credentials(user, password, token), ...(hasCredentials(admin) ? { admin } : {}) },
  };
  checkBindSafety(config);
  return config;
}

/** Whether a listen address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Whether any credentials are configured (admin ones included). */
export function hasCredentials(auth: AuthConfig): boolean {
  return (
    auth.basic !== undefined || auth.token !== undefined || (auth.admin !== undefined && hasCredentials(auth.admin))
  );
}

/**
 * Pure: refuse to listen beyond loopback without credentials. Bull Board can retry, promote and delete jobs, and the
 * runs page shows bucket paths, so an open port is an open door. The one exception is a container whose port the
 * host publishes on loopback only (`publishedHost`): the container must listen on 0.0.0.0 to be reachable at all.
 *
 * @throws {@link ConfigError}
 */
export function checkBindSafety(config: Pick<DashboardConfig, 'host' | 'auth' | 'publishedHost'>): void {
  if (isLoopback(config.host) || hasCredentials(config.auth)) return;
  if (config.publishedHost !== undefined && isLoopback(config.publishedHost)) return;
  const published =
    config.publishedHost === undefined ? '' : ` (published on ${config.publishedHost}, which is not loopback either)`;
  throw new ConfigError([
    `refusing to listen on ${config.host}${published} without credentials: anyone who can reach the port could ` +
      'see your runs and retry or delete jobs in Bull Board.\n' +
      `Either set ${DASHBOARD_SETTINGS.token.env} (bearer token) or ${DASHBOARD_SETTINGS.user.env} and ` +
      `${DASHBOARD_SETTINGS.password.env} (basic auth), or keep the default --host 127.0.0.1 and reach it through ` +
      '`ssh -L 3000:127.0.0.1:3000` or `kubectl port-forward`.',
  ]);
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
    auth: [
      config.auth.basic ? 'basic' : null,
      config.auth.token ? 'bearer' : null,
      config.auth.admin ? 'admin' : null,
    ].filter(Boolean),
  };
}
