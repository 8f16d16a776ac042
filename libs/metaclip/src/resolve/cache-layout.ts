/**
 * The Hugging Face hub cache layout, shared with huggingface_hub, transformers and huggingface.js so that a model
 * fetched by any of them is found by the others:
 *
 * ```
 * <cache>/models--org--name/
 *   blobs/<etag>                 file contents, named by git blob sha1 (small files) or sha256 (LFS files)
 *   snapshots/<commit>/<file>    relative symlinks into blobs/
 *   refs/<revision>              the commit a branch or tag pointed to when last resolved
 * ```
 *
 * Pure path arithmetic and environment reading; no I/O.
 */
import { homedir } from 'node:os';
import path from 'node:path';

/** Environment variables this module reads (a subset of `process.env`). */
export type HubEnv = Readonly<Record<string, string | undefined>>;

/** The real hub; `HF_ENDPOINT` overrides it (mirrors, private hubs, tests). */
export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/**
 * The hub cache root, in huggingface_hub's order of precedence: `HF_HUB_CACHE`, the legacy
 * `HUGGINGFACE_HUB_CACHE`, `$HF_HOME/hub`, then `$XDG_CACHE_HOME/huggingface/hub` or `~/.cache/huggingface/hub`.
 */
export function hubCacheDir(env: HubEnv): string {
  const explicit = env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE;
  if (explicit) return expandHome(explicit);
  if (env.HF_HOME) return path.join(expandHome(env.HF_HOME), 'hub');
  const xdg = env.XDG_CACHE_HOME ? expandHome(env.XDG_CACHE_HOME) : path.join(homedir(), '.cache');
  return path.join(xdg, 'huggingface', 'hub');
}

/** The hub endpoint without a trailing slash. */
export function hubEndpoint(env: HubEnv): string {
  return (env.HF_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, '');
}

/** huggingface_hub's truthy spellings for `HF_HUB_OFFLINE`. */
export function isOfflineEnv(env: HubEnv): boolean {
  return ['1', 'ON', 'YES', 'TRUE'].includes((env.HF_HUB_OFFLINE ?? '').toUpperCase());
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(homedir(), p.slice(1)) : p;
}

/** Paths of one model repository inside the cache. */
export interface RepoCache {
  /** `<cache>/models--org--name`. */
  readonly repoDir: string;
  /** Where a blob with this etag lives. */
  blob(etag: string): string;
  /** Where a download of this blob accumulates until it is verified and renamed into place. */
  incompleteBlob(etag: string): string;
  /** The lock file guarding one blob's download across processes. */
  blobLock(etag: string): string;
  /** `snapshots/<commit>`. */
  snapshot(commit: string): string;
  /** `refs/<revision>`. */
  ref(revision: string): string;
}

/** `models--org--name`: the repo type, then the id's segments, joined by `--`. */
export function repoFolderName(repoId: string): string {
  return ['models', ...repoId.split('/')].join('--');
}

/** The cache paths of `repoId` under `cacheDir`. */
export function repoCache(cacheDir: string, repoId: string): RepoCache {
  const repoDir = path.join(cacheDir, repoFolderName(repoId));
  const blobs = path.join(repoDir, 'blobs');
  return {
    repoDir,
    blob: (etag) => path.join(blobs, etag),
    incompleteBlob: (etag) => path.join(blobs, `${etag}.incomplete`),
    // huggingface_hub keeps its locks beside the repos, in <cache>/.locks/<repo folder>/<etag>.lock.
    blobLock: (etag) => path.join(cacheDir, '.locks', repoFolderName(repoId), `${etag}.lock`),
    snapshot: (commit) => path.join(repoDir, 'snapshots', commit),
    ref: (revision) => path.join(repoDir, 'refs', revision),
  };
}

/** Strips the weak marker and quotes the hub puts around etags: `W/"abc"` -> `abc`. */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/** Relative target of a snapshot symlink, so the cache can be moved as a whole. */
export function blobLinkTarget(snapshotFile: string, blobFile: string): string {
  return path.relative(path.dirname(snapshotFile), blobFile);
}
