import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /** Port to listen on; 0 picks a free one (see {@link MetricsServer.port}). */
  port: number;
  /** Interface to bind; default all (`0.0.0.0`), as a scrape target in a pod must be. */
  host?: string;
  registry: Registry;
  /** Readiness: true once the process can do work (model loaded, Redis connected). */
  ready: () => boolean;
}

/** A running metrics server. */
export interface MetricsServer {
  /** The port actually bound. */
  port: number;
  close(): Promise<void>;
}

/**
 * Serve `GET /metrics` (Prometheus text), `/healthz` (200 while the process runs: liveness) and `/readyz` (200 when
 * `ready()` says so, else 503: readiness) with node:http.
 */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const text = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
    };
    if (path === '/healthz') text(200, 'ok\n');
    else if (path === '/readyz') {
      if (opts.ready()) text(200, 'ready\n');
      else text(503, 'not ready\n');
    } else if (path === '/metrics') {
      opts.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(body),
        (err: unknown) => text(500, `metrics failed: ${(err as Error).message}\n`),
      );
    } else text(404, 'not found: try /metrics, /healthz, /readyz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
