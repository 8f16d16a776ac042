import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { AuthConfig, Credentials } from './config.ts';
import { hasCredentials } from './config.ts';

/** Compare secrets in constant time; hashing first makes the lengths equal, so the length does not leak either. */
function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * Pure: whether an `Authorization` header satisfies the configured credentials. With none configured every request
 * passes (the bind check has already confined the server to loopback). A bearer token or basic credentials each
 * suffice when both are configured.
 */
export function isAuthorized(header: string | undefined, auth: AuthConfig): boolean {
  if (!hasCredentials(auth)) return true;
  return matches(header, auth) || (auth.admin !== undefined && matches(header, auth.admin));
}

/**
 * Pure: whether the request carries the admin credentials, which alone may act in Bull Board. False whenever none
 * are configured, also on an open loopback dashboard: acting on jobs is always an explicit grant.
 */
export function isAdmin(header: string | undefined, auth: AuthConfig): boolean {
  return auth.admin !== undefined && hasCredentials(auth.admin) && matches(header, auth.admin);
}

function matches(header: string | undefined, auth: Credentials): boolean {
  if (header === undefined) return false;
  const space = header.indexOf(' ');
  if (space < 0) return false;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer' && auth.token !== undefined) return safeEqual(value, auth.token);
  if (scheme === 'basic' && auth.basic !== undefined) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    // Evaluate both comparisons so a wrong user costs the same time as a wrong password.
    const userOk = safeEqual(decoded.slice(0, colon), auth.basic.user);
    const passwordOk = safeEqual(decoded.slice(colon + 1), auth.basic.password);
    return userOk && passwordOk;
  }
  return false;
}

/**
 * Express middleware that answers 401 unless {@link isAuthorized}. With basic auth configured the challenge asks the
 * browser for a login; otherwise it names the bearer scheme.
 */
export function requireAuth(auth: AuthConfig): RequestHandler {
  const challenge =
    auth.basic || auth.admin?.basic
      ? 'Basic realm="metaclip-dashboard", charset="UTF-8"'
      : 'Bearer realm="metaclip-dashboard"';
  return (req, res, next) => {
    if (isAuthorized(req.headers.authorization, auth)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', challenge);
    res.status(401).json({ error: 'unauthorized' });
  };
}
