import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the proxy saw, failed or forwarded. */
export interface ProxiedRequest {
  method: string;
  /** Path-style path (`/bucket/key`), decoded, without the query string. */
  path: string;
  /** The query string: `uploads`, `uploadId` and `partNumber` tell the steps of a multipart upload apart. */
  params: URLSearchParams;
}

/**
 * An HTTP proxy in front of an S3 server that behaves as S3 does when it is unwell, gone or far away: it fails chosen
 * paths, goes away and comes back on the same port, holds every request for a round trip's time, and counts what it
 * saw. Any S3 server (MinIO included) offers only what its API answers, so this is where tests count requests.
 */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: use as `AWS_ENDPOINT_URL_S3`. */
  endpoint: string;
  /** Path-style paths (`/bucket/key`) answered `500 InternalError` instead of being forwarded. */
  failing: Set<string>;
  /** Requests seen per path (failed or forwarded), query strings left out. */
  requests: Map<string, number>;
  /** Every request seen, in arrival order. */
  log: ProxiedRequest[];
  /** Requests under way now (received, not yet answered). */
  readonly inFlight: number;
  /** The most requests under way at once since start or the last {@link FaultProxy.resetPeak}. */
  readonly peakInFlight: number;
  resetPeak(): void;
  /** Stops listening and drops open connections: clients get ECONNREFUSED, as from a server that went away. */
  takeDown(): Promise<void>;
  /** Listens again on the same port after {@link FaultProxy.takeDown}. */
  bringBack(): Promise<void>;
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
  const log: ProxiedRequest[] = [];
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
    const url = new URL(req.url ?? '/', 'http://proxy');
    const at = decodeURIComponent(url.pathname);
    requests.set(at, (requests.get(at) ?? 0) + 1);
    log.push({ method: req.method ?? 'GET', path: at, params: url.searchParams });
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
  const listen = async (port: number) => {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
  };
  const shut = async () => {
    if (!server.listening) return;
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  };
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    failing,
    requests,
    log,
    get inFlight() {
      return inFlight;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    resetPeak: () => {
      peakInFlight = inFlight;
    },
    takeDown: shut,
    bringBack: () => listen(port),
    close: shut,
  };
}
