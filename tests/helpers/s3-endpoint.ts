/**
 * An S3-API server as the suites see it, and how `tests/setup/global.ts` hands one to them: through environment
 * variables, which vitest's test workers inherit (as they inherit `REDIS_URL`). Pure, so the hand-over is tested
 * where no Docker engine answers too.
 */

/** Where an S3-API server listens and the keys it accepts. */
export interface S3Endpoint {
  /** `http://host:port`, addressed path-style. */
  url: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** For people: `s3rver`, or the image a container runs. */
  backend: string;
}

/** The variables of the hand-over, one per field of {@link S3Endpoint}. */
export const S3_HANDOFF_VARS = {
  url: 'METACLIP_TEST_S3_ENDPOINT',
  accessKeyId: 'METACLIP_TEST_S3_ACCESS_KEY_ID',
  secretAccessKey: 'METACLIP_TEST_S3_SECRET_ACCESS_KEY',
  backend: 'METACLIP_TEST_S3_BACKEND',
} as const satisfies Record<keyof S3Endpoint, string>;

const FIELDS = Object.entries(S3_HANDOFF_VARS) as [keyof S3Endpoint, string][];

/** The variables that hand `endpoint` to the suites. */
export function handoffEnv(endpoint: S3Endpoint): Record<string, string> {
  return Object.fromEntries(FIELDS.map(([field, name]) => [name, endpoint[field]]));
}

/**
 * The server the run's set-up handed over, or undefined when it handed none (then each suite starts its own
 * s3rver). A partial hand-over is a mistake, and says which variables are missing.
 */
export function handedOver(env: Record<string, string | undefined>): S3Endpoint | undefined {
  const missing = FIELDS.filter(([, name]) => !env[name]).map(([, name]) => name);
  if (missing.length === FIELDS.length) return undefined;
  if (missing.length > 0) throw new Error(`incomplete S3 hand-over: ${missing.join(', ')} unset`);
  return Object.fromEntries(FIELDS.map(([field, name]) => [field, env[name]])) as unknown as S3Endpoint;
}

/** The AWS variables that point a client (in this process via `storageFor(uri, { env })`, or a child) at `endpoint`. */
export function awsEnv(endpoint: S3Endpoint): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: endpoint.url,
    AWS_ACCESS_KEY_ID: endpoint.accessKeyId,
    AWS_SECRET_ACCESS_KEY: endpoint.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_S3_FORCE_PATH_STYLE: '1',
  };
}
