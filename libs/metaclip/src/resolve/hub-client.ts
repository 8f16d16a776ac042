/**
 * The few Hugging Face hub HTTP routes a model download needs, speaking the hub's protocol as huggingface_hub
 * does: `GET /api/models/{repo}/revision/{rev}` for the commit and file list, `HEAD /{repo}/resolve/{commit}/{file}`
 * for a file's etag (`X-Linked-Etag` for LFS files, else `ETag`), size (`X-Linked-Size`, else `Content-Length`)
 * and commit (`X-Repo-Commit`), then a GET (with `Range` to resume) of wherever that points.
 *
 * The token travels as `Authorization: Bearer` to the endpoint's origin only: redirects to another origin (the
 * hub's LFS CDN, whose URLs are pre-signed) are followed without it.
 *
 * Timeouts are huggingface_hub's two: `HF_HUB_ETAG_TIMEOUT` bounds the metadata requests, `HF_HUB_DOWNLOAD_TIMEOUT`
 * a download's wait for its headers and then for each next chunk (a read timeout, as httpx applies it: a slow but
 * moving download never times out). A timeout names its variable, so the fix is in the message.
 */
import { ProjectError } from '@metaclip-batch/errors';
import { z } from 'zod';
import { normalizeEtag } from './cache-layout.ts';
import { DEFAULT_HUB_TIMEOUT_S, type HubTimeouts } from './hub-env.ts';

/** The hub answered with a status retrying will not fix (401, 403, 404, ...). */
export class HubHttpError extends ProjectError {
  readonly code = 'HUB_HTTP';
  readonly retryable = false;

  constructor(
    readonly status: number,
    readonly url: string,
    message: string,
  ) {
    super(message);
  }
}

/** The hub could not be reached or failed on its side (connection, timeout, 429, 5xx); a cache may stand in. */
export class HubNetworkError extends ProjectError {
  readonly code = 'HUB_NETWORK';
  readonly retryable = true;
}

/** What the hub says about one file at one commit. */
export interface HubFileMetadata {
  /** Normalised etag: sha256 of the content for LFS files, git blob sha1 otherwise. */
  etag: string;
  size: number;
  commit: string;
  /** Where the bytes are (the resolve URL itself, or the CDN URL it redirects to). */
  location: string;
}

/** Options of {@link HubClient}. */
export interface HubClientOptions {
  /** Endpoint origin without a trailing slash, e.g. `https://huggingface.co`. */
  endpoint: string;
  /** Sent as a Bearer token to `endpoint` only. */
  token?: string;
  /** huggingface_hub's timeouts (default 10 s each). */
  timeouts?: Partial<HubTimeouts>;
}

/** One of the two timeouts, with the variable that sets it. */
interface Timeout {
  ms: number;
  variable: 'HF_HUB_ETAG_TIMEOUT' | 'HF_HUB_DOWNLOAD_TIMEOUT';
}

const RepoInfo = z.object({
  sha: z.string().regex(/^[0-9a-f]{40}$/),
  siblings: z.array(z.object({ rfilename: z.string() })),
});

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** A minimal hub client; one per resolve. */
export class HubClient {
  readonly #endpoint: string;
  readonly #origin: string;
  readonly #token: string | undefined;
  readonly #etag: Timeout;
  readonly #download: Timeout;

  constructor(options: HubClientOptions) {
    this.#endpoint = options.endpoint;
    this.#origin = new URL(options.endpoint).origin;
    this.#token = options.token;
    const fallback = DEFAULT_HUB_TIMEOUT_S * 1000;
    this.#etag = { ms: options.timeouts?.etagMs ?? fallback, variable: 'HF_HUB_ETAG_TIMEOUT' };
    this.#download = { ms: options.timeouts?.downloadMs ?? fallback, variable: 'HF_HUB_DOWNLOAD_TIMEOUT' };
  }

  /** The commit a revision points to and the repository's file list at that commit. */
  async repoInfo(repoId: string, revision: string): Promise<{ commit: string; files: string[] }> {
    const url = `${this.#endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}`;
    const { response } = await this.#request(url, 'GET', {}, true, this.#etag);
    const parsed = RepoInfo.safeParse(await readJson(response, url));
    if (!parsed.success) throw new HubNetworkError(`${url} answered with an unexpected body: ${parsed.error.message}`);
    return { commit: parsed.data.sha, files: parsed.data.siblings.map((s) => s.rfilename) };
  }

  /** HEAD of a file's resolve URL, stopping at a redirect to another origin to read the hub's headers. */
  async fileMetadata(repoId: string, commit: string, file: string): Promise<HubFileMetadata> {
    const url = `${this.#endpoint}/${repoId}/resolve/${commit}/${file.split('/').map(encodeURIComponent).join('/')}`;
    const { response, url: finalUrl } = await this.#request(
      url,
      'HEAD',
      { 'Accept-Encoding': 'identity' },
      false,
      this.#etag,
    );
    await response.body?.cancel();
    const h = response.headers;
    const etag = h.get('x-linked-etag') ?? h.get('etag');
    const size = Number(h.get('x-linked-size') ?? h.get('content-length') ?? Number.NaN);
    const location = REDIRECTS.has(response.status) ? new URL(h.get('location') ?? '', finalUrl).href : finalUrl;
    if (!etag || !Number.isSafeInteger(size)) {
      throw new HubNetworkError(`${url} sent no ETag or size: is HF_ENDPOINT (${this.#endpoint}) a hub?`);
    }
    return { etag: normalizeEtag(etag), size, commit: h.get('x-repo-commit') ?? commit, location };
  }

  /**
   * Streams a file's bytes from `offset`. `partial` says whether the server honoured the range; when it did
   * not, the body starts at byte 0 and the caller must start over.
   */
  async download(location: string, offset: number): Promise<{ partial: boolean; body: AsyncIterable<Uint8Array> }> {
    const headers: Record<string, string> = { 'Accept-Encoding': 'identity' };
    if (offset > 0) headers.Range = `bytes=${offset}-`;
    const { response, controller } = await this.#request(location, 'GET', headers, true, this.#download);
    if (!response.body) throw new HubNetworkError(`${location} sent no body`);
    return { partial: response.status === 206, body: this.#idleGuard(response.body, controller, location) };
  }

  /** Aborts the request when the body stalls, instead of hanging a worker's startup forever. */
  async *#idleGuard(body: ReadableStream<Uint8Array>, controller: AbortController, url: string) {
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new Error(timedOut('no data', this.#download))), this.#download.ms);
    };
    try {
      arm();
      for await (const chunk of body) {
        arm();
        yield chunk;
      }
    } catch (err) {
      throw new HubNetworkError(`download of ${url} failed: ${describe(err)}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * One request, following same-origin redirects always and cross-origin ones when `followCrossOrigin`
   * (without the token). Maps failures to {@link HubHttpError} or {@link HubNetworkError}.
   */
  async #request(
    startUrl: string,
    method: 'GET' | 'HEAD',
    extraHeaders: Record<string, string>,
    followCrossOrigin: boolean,
    timeout: Timeout,
  ): Promise<{ response: Response; url: string; controller: AbortController }> {
    let url = startUrl;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const sameOrigin = new URL(url).origin === this.#origin;
      const headers: Record<string, string> = { ...extraHeaders };
      if (this.#token && sameOrigin) headers.Authorization = `Bearer ${this.#token}`;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error(timedOut('no answer', timeout))), timeout.ms);
      let response: Response;
      try {
        response = await fetch(url, { method, headers, redirect: 'manual', signal: controller.signal });
      } catch (err) {
        throw new HubNetworkError(`cannot reach ${url}: ${describe(err)}`, { cause: err });
      } finally {
        clearTimeout(timer);
      }
      if (REDIRECTS.has(response.status)) {
        const next = new URL(response.headers.get('location') ?? '', url).href;
        if (!followCrossOrigin && new URL(next).origin !== this.#origin) return { response, url, controller };
        await response.body?.cancel();
        url = next;
        continue;
      }
      if (response.ok) return { response, url, controller };
      await response.body?.cancel();
      throw httpError(response, url);
    }
    throw new HubNetworkError(`more than ${MAX_REDIRECTS} redirects from ${startUrl}`);
  }
}

/** Turns an error status into the error type that tells the caller whether a cache may stand in. */
function httpError(response: Response, url: string): Error {
  const code = response.headers.get('x-error-code');
  const detail = response.headers.get('x-error-message') ?? code ?? response.statusText;
  const what = `${url} answered ${response.status}${detail ? ` (${detail})` : ''}`;
  if (response.status === 429 || response.status >= 500) return new HubNetworkError(what);
  if (response.status === 401 || response.status === 403 || code === 'GatedRepo') {
    return new HubHttpError(
      response.status,
      url,
      `${what}: the repository is private or gated; set HF_TOKEN to a token that can read it`,
    );
  }
  if (response.status === 404) {
    return new HubHttpError(response.status, url, `${what}: check the repository id and revision`);
  }
  return new HubHttpError(response.status, url, what);
}

async function readJson(response: Response, url: string): Promise<unknown> {
  try {
    return await response.json();
  } catch (err) {
    throw new HubNetworkError(`${url} answered with invalid JSON: ${describe(err)}`, { cause: err });
  }
}

/** What a timeout says: how long, which variable set it, and how to raise it. */
function timedOut(what: string, t: Timeout): string {
  const s = t.ms / 1000;
  return `${what} in ${s} s (${t.variable}=${s}; a slow link needs more, e.g. ${t.variable}=${Math.max(60, s * 6)})`;
}

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message} (${cause})` : String(e.message ?? err);
}
