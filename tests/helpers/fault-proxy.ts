import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of an S3 server that behaves as S3 does when it is unwell or far away: it fails chosen paths,
 * holds every request for a round trip's time, and counts what it saw.
 */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: use as `AWS_ENDPOINT_URL_S3`. */
  endpoint: string;
  /** Path-style paths (`/bucket/key`) answered `500 InternalError` instead of being forwarded. */
  failing: Set<string>;
  /** Requests seen per path (failed or forwarded), query strings left out. */
  requests: Map<string, number>;
  /** Requests under way now (received, not yet answered). */
  readonly inFlight: number;
  /** The most requests under way at once since start or the last {@link FaultProxy.resetPeak}. */
  readonly peakInFlight: number;
  resetPeak(): void;
  close(): Promise<void>;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /**
   * Milliseconds every forwarded request waits before it goes on: a far-away endpoint. AWS S3 answers a 1,000-key
   * ListObjectsV2 page in tens of milliseconds, where a local test server answers at once. Default 0.
   */
  delayMs?: number;
}

/** Starts a {@link FaultProxy} to `target` (an `http://host:port` S3 endpoint) on a free loopback port. */
export async function startFaultProxy(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const to = new URL(target);
  const delayMs = options.delayMs ?? 0;
  const failing = new Set<string>();
  const requests = new Map<string, number>();
  let inFlight = 0;
  let peakInFlight = 0;
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const up = request(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  };
  const server = createServer((req, res) => {
    const at = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    requests.set(at, (requests.get(at) ?? 0) + 1);
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    res.once('close', () => inFlight--);
    if (failing.has(at)) {
      req.resume();
      res.writeHead(500, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>' +
          '<Message>We encountered an internal error. Please try again.</Message></Error>',
      );
      return;
    }
    if (delayMs > 0) setTimeout(() => forward(req, res), delayMs);
    else forward(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failing,
    requests,
    get inFlight() {
      return inFlight;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    resetPeak: () => {
      peakInFlight = inFlight;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
