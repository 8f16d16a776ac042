/**
 * A local stand-in for the Hugging Face hub, speaking the routes and headers huggingface_hub and huggingface.js
 * rely on, so that hub downloads are tested without the internet:
 *
 * - `GET /api/models/{repo}/revision/{rev}` -> `{ sha, siblings: [{ rfilename }] }`
 * - `HEAD|GET /{repo}/resolve/{rev}/{file}`: small files answer 200 with `ETag: "<git blob sha1>"`; LFS files answer
 *   302 to a second origin (the "CDN", pre-signed URL) with `X-Linked-Etag: "<sha256>"` and `X-Linked-Size`.
 *   Both carry `X-Repo-Commit`. Errors carry `X-Error-Code` as the hub's do.
 * - the CDN honours `Range` and refuses requests that carry an `Authorization` header (a token must not leak there).
 *
 * Faults on demand: a download cut or stalled after some bytes, a hub that never answers, a CDN that sends slowly.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One repository served by the fake hub. */
export interface FakeRepo {
  /** Branch and tag names -> commit. */
  refs: Record<string, string>;
  /** File name -> contents (at every commit; enough for these tests). */
  files: Record<string, Buffer>;
  /** File names stored in LFS (served from the CDN). */
  lfs: string[];
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
}

/** A request the fake hub or CDN saw. */
export interface SeenRequest {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  authorization: string | undefined;
  range: string | undefined;
}

/** A running fake hub; `close()` stops both servers. */
export interface FakeHub {
  endpoint: string;
  requests: SeenRequest[];
  /** The next CDN download of this sha256 sends only this many bytes, then drops the connection. */
  cutNextDownload(sha256: string, afterBytes: number): void;
  /**
   * From now on a CDN download sends its headers and first 64 KiB, then nothing until the returned function is
   * called (a stalled link, or a download held open while a test lines up a second one).
   */
  pauseDownloads(): () => void;
  /** While true, the hub (not the CDN) accepts requests and never answers them. */
  stallHub(stalled: boolean): void;
  /** CDN bodies go out in pieces of `bytes`, one every `everyMs` (a slow link); 0 sends at once. */
  throttle(bytes: number, everyMs: number): void;
  close(): Promise<void>;
}

/** Loads files from a folder into a {@link FakeRepo} `files` map. */
export function filesFrom(dir: string, names: string[]): Record<string, Buffer> {
  return Object.fromEntries(names.map((n) => [n, readFileSync(`${dir}/${n}`)]));
}

export async function startFakeHub(repos: Record<string, FakeRepo>): Promise<FakeHub> {
  const requests: SeenRequest[] = [];
  const cuts = new Map<string, number>();
  let paused: Promise<void> | null = null;
  let hubStalled = false;
  let pace = { bytes: 0, everyMs: 0 };
  const blobs = new Map<string, Buffer>();
  for (const repo of Object.values(repos)) {
    for (const name of repo.lfs) {
      const body = repo.files[name] as Buffer;
      blobs.set(sha256(body), body);
    }
  }
  const seen = (server: SeenRequest['server'], req: http.IncomingMessage) =>
    requests.push({
      server,
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
      range: req.headers.range,
    });

  const cdn = http.createServer((req, res) => {
    seen('cdn', req);
    const url = new URL(req.url ?? '/', 'http://cdn');
    const sha = url.pathname.replace('/blobs/', '');
    const body = blobs.get(sha);
    if (req.headers.authorization) return void res.writeHead(400).end('Authorization must not reach the CDN');
    if (!body || url.searchParams.get('X-Amz-Signature') !== 'signed') return void res.writeHead(403).end();
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const slice = body.subarray(start);
    res.writeHead(range ? 206 : 200, { 'Content-Length': slice.length, 'Accept-Ranges': 'bytes' });
    const cut = cuts.get(sha);
    if (cut !== undefined && req.method === 'GET') {
      cuts.delete(sha);
      res.write(slice.subarray(0, cut), () => res.destroy());
      return;
    }
    if (req.method === 'HEAD') return void res.end();
    if (paused) {
      const head = Math.min(slice.length, 64 * 1024);
      res.write(slice.subarray(0, head));
      paused.then(() => res.destroyed || res.end(slice.subarray(head)));
      return;
    }
    if (!pace.bytes) return void res.end(slice);
    const { bytes, everyMs } = pace;
    let sent = 0;
    const tick = setInterval(() => {
      if (res.destroyed) return void clearInterval(tick);
      res.write(slice.subarray(sent, sent + bytes));
      sent += bytes;
      if (sent >= slice.length) {
        clearInterval(tick);
        res.end();
      }
    }, everyMs);
  });
  const cdnOrigin = await listen(cdn);

  const hub = http.createServer((req, res) => {
    seen('hub', req);
    if (hubStalled) return;
    const url = new URL(req.url ?? '/', 'http://hub');
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const match = api ?? resolve;
    const repo = match ? repos[match[1] as string] : undefined;
    if (!match || !repo) return void fail(res, 404, 'RepoNotFound');
    if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`) return void fail(res, 401, 'GatedRepo');
    const revision = decodeURIComponent(match[2] as string);
    const commit = Object.values(repo.refs).includes(revision) ? revision : repo.refs[revision];
    if (!commit) return void fail(res, 404, 'RevisionNotFound');
    if (api) {
      const siblings = Object.keys(repo.files).map((rfilename) => ({ rfilename }));
      return void res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ sha: commit, siblings }));
    }
    const file = (match[3] as string).split('/').map(decodeURIComponent).join('/');
    const body = repo.files[file];
    if (!body) return void fail(res, 404, 'EntryNotFound');
    if (repo.lfs.includes(file)) {
      const sha = sha256(body);
      return void res
        .writeHead(302, {
          Location: `${cdnOrigin}/blobs/${sha}?X-Amz-Signature=signed`,
          'X-Repo-Commit': commit,
          'X-Linked-Etag': `"${sha}"`,
          'X-Linked-Size': String(body.length),
          ETag: `"${sha}"`,
        })
        .end();
    }
    const etag = createHash('sha1').update(`blob ${body.length}\0`).update(body).digest('hex');
    res.writeHead(200, { 'X-Repo-Commit': commit, ETag: `"${etag}"`, 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  const endpoint = await listen(hub);

  return {
    endpoint,
    requests,
    cutNextDownload: (sha, afterBytes) => cuts.set(sha, afterBytes),
    pauseDownloads: () => {
      let open: (() => void) | undefined;
      paused = new Promise<void>((r) => {
        open = r;
      });
      return () => {
        paused = null;
        open?.();
      };
    },
    stallHub: (stalled) => {
      hubStalled = stalled;
    },
    throttle: (bytes, everyMs) => {
      pace = { bytes, everyMs };
    },
    close: async () => {
      const closed = Promise.all([hub, cdn].map((s) => new Promise((r) => s.close(r))));
      hub.closeAllConnections();
      cdn.closeAllConnections();
      await closed;
    },
  };
}

export function sha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

function fail(res: http.ServerResponse, status: number, code: string): void {
  res.writeHead(status, { 'X-Error-Code': code, 'X-Error-Message': `${code} (fake hub)` }).end();
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
