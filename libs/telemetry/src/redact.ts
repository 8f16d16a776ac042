/** Credentials inside URLs: `scheme://user:password@host` (Redis, S3 endpoints, HTTP proxies). */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@]*):([^\s/@]+)@/gi;
/** Query parameters that carry secrets: pre-signed S3 URLs, access tokens. */
const SECRET_QUERY =
  /([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|token|access_token|password)=)[^&\s#]+/gi;

/** Replacement text of a redacted secret. */
export const REDACTED = '[redacted]';

/**
 * Remove secrets from free text: the password of `scheme://user:password@host` URLs and secret query parameters
 * (`X-Amz-Signature`, `token`, ...). Safe to call on any string, for logs and for messages shown to people.
 */
export function redactSecrets(text: string): string {
  return text.replace(URL_CREDENTIALS, `$1$2:${REDACTED}@`).replace(SECRET_QUERY, `$1${REDACTED}`);
}

/**
 * Field names whose values are never logged, at the top level and one level down (pino redaction paths). Covers AWS
 * credentials, tokens and passwords however they are nested in a config object.
 */
export const SECRET_KEYS = [
  'password',
  'passwd',
  'secret',
  'token',
  'accessToken',
  'apiKey',
  'authorization',
  'cookie',
  'credentials',
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
] as const;

/** The pino `redact.paths` for {@link SECRET_KEYS}. */
export const SECRET_PATHS: string[] = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.headers.${k}`]);

/** Redact strings in a log object, at the top level and one level down (bounded cost per line). */
export function redactObject(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'string') out[k] = redactSecrets(v);
    else if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Error)) {
      out[k] = Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([k2, v2]) => [
          k2,
          typeof v2 === 'string' ? redactSecrets(v2) : v2,
        ]),
      );
    } else out[k] = v;
  }
  return out;
}
