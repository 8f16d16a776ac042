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
 * Pure path arithmetic; no I/O. Where the cache is comes from the environment (`hub-env.ts`).
 */
import path from 'node:path';

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
