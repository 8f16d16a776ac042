/**
 * What huggingface_hub reads from the environment, read the same way, so that a machine set up for `hf` (a token
 * saved by `hf auth login`, a cache moved with `HF_HOME`, timeouts raised for a slow link) behaves the same here.
 * Pure functions of the environment; reading the token file is left to the caller.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { ModelLoadError } from '../errors.ts';

/** Environment variables this module reads (a subset of `process.env`). */
export type HubEnv = Readonly<Record<string, string | undefined>>;

/** The real hub; `HF_ENDPOINT` overrides it (mirrors, private hubs, tests). */
export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/** huggingface_hub's `DEFAULT_ETAG_TIMEOUT` and `DEFAULT_DOWNLOAD_TIMEOUT`, in seconds. */
export const DEFAULT_HUB_TIMEOUT_S = 10;

/** `$HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`. */
export function hfHome(env: HubEnv): string {
  if (env.HF_HOME) return expandHome(env.HF_HOME);
  return path.join(xdgCacheHome(env), 'huggingface');
}

/** `$XDG_CACHE_HOME` when set, else `~/.cache`: where huggingface_hub, and our own caches, live. */
export function xdgCacheHome(env: HubEnv): string {
  return env.XDG_CACHE_HOME ? expandHome(env.XDG_CACHE_HOME) : path.join(homedir(), '.cache');
}

/**
 * The hub cache root, in huggingface_hub's order of precedence: `HF_HUB_CACHE`, the legacy
 * `HUGGINGFACE_HUB_CACHE`, then `<HF_HOME>/hub` ({@link hfHome}).
 */
export function hubCacheDir(env: HubEnv): string {
  const explicit = env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE;
  return explicit ? expandHome(explicit) : path.join(hfHome(env), 'hub');
}

/** The hub endpoint without a trailing slash. */
export function hubEndpoint(env: HubEnv): string {
  return (env.HF_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, '');
}

/** huggingface_hub's truthy spellings for `HF_HUB_OFFLINE`. */
export function isOfflineEnv(env: HubEnv): boolean {
  return ['1', 'ON', 'YES', 'TRUE'].includes((env.HF_HUB_OFFLINE ?? '').toUpperCase());
}

/**
 * Where the token came from: `HF_TOKEN` (or the legacy `HUGGING_FACE_HUB_TOKEN`) wins outright; otherwise the
 * token file, `HF_TOKEN_PATH` or `<HF_HOME>/token`, which is what `hf auth login` writes.
 */
export type TokenSource = { kind: 'env'; token: string } | { kind: 'file'; path: string };

/** Where to look for the token, without reading anything. */
export function hubTokenSource(env: HubEnv): TokenSource {
  const fromEnv = cleanToken(env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN);
  if (fromEnv) return { kind: 'env', token: fromEnv };
  return { kind: 'file', path: env.HF_TOKEN_PATH ? expandHome(env.HF_TOKEN_PATH) : path.join(hfHome(env), 'token') };
}

/** huggingface_hub's `_clean_token`: surrounding whitespace and newlines dropped, empty means none. */
export function cleanToken(token: string | undefined): string | undefined {
  const trimmed = token?.trim();
  return trimmed ? trimmed : undefined;
}

/** The two request timeouts huggingface_hub applies, in milliseconds. */
export interface HubTimeouts {
  /** `HF_HUB_ETAG_TIMEOUT`: metadata requests (revision info, each file's HEAD). */
  etagMs: number;
  /** `HF_HUB_DOWNLOAD_TIMEOUT`: a download's wait for its headers and for each next chunk of the body. */
  downloadMs: number;
}

/**
 * Reads `HF_HUB_ETAG_TIMEOUT` and `HF_HUB_DOWNLOAD_TIMEOUT` (seconds, default 10 each; unset, empty or 0 means the
 * default, as in huggingface_hub). Fractions are accepted, which huggingface_hub's integer parse would refuse.
 * @throws ModelLoadError for a value that is not a number of seconds.
 */
export function hubTimeouts(env: HubEnv): HubTimeouts {
  return { etagMs: seconds(env, 'HF_HUB_ETAG_TIMEOUT'), downloadMs: seconds(env, 'HF_HUB_DOWNLOAD_TIMEOUT') };
}

function seconds(env: HubEnv, name: string): number {
  const raw = env[name]?.trim();
  if (!raw) return DEFAULT_HUB_TIMEOUT_S * 1000;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new ModelLoadError(`${name}=${raw} is not a number of seconds (default ${DEFAULT_HUB_TIMEOUT_S})`);
  }
  return (value || DEFAULT_HUB_TIMEOUT_S) * 1000;
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(homedir(), p.slice(1)) : p;
}
