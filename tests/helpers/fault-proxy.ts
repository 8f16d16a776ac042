import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP proxy in front of an S3 server that fails chosen paths as S3 does when it is unwell. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: use as `AWS_ENDPOINT_URL_S3`. */
  endpoint: string;
  /** Path-style paths (`/bucket/key`) answered `500 InternalError` instead of being forwarded. */
  failing: Set<string>;
  /** Requests seen per path (failed or forwarded), query strings left out. */
  requests: Map<string, number>;
  close(): Promise<void>;
}

/** Starts a {@link FaultProxy} to `target` (an `http://host:port` S3 endpoint) on a free loopback port. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const to = new URL(target);
  const failing = new Set<string>();
  const requests = new Map<string, number>();
  const server = createServer((req, res) => {
    const at = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    requests.set(at, (requests.get(at) ?? 0) + 1);
    if (failing.has(at)) {
      req.resume();
      res.writeHead(500, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>' +
          '<Message>We encountered an internal error. Please try again.</Message></Error>',
      );
      return;
    }
    const up = request(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failing,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
