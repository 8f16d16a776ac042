/**
 * `resolveModelDir`: turns any model reference into a local folder — a folder as is, a hub id through the shared
 * Hugging Face cache. Offline (by `HF_HUB_OFFLINE` or because the network failed) a complete cached snapshot is
 * used; anything else is a {@link ModelLoadError} that names the cache path and how to fill it.
 */
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { ModelLoadError } from '../errors.ts';
import { fetchBlob, linkIntoSnapshot, listSnapshotFiles, readRef, writeFileAtomic } from './blob-store.ts';
import { type RepoCache, repoCache } from './cache-layout.ts';
import { HubClient, HubHttpError, HubNetworkError } from './hub-client.ts';
import {
  cleanToken,
  type HubEnv,
  hubCacheDir,
  hubEndpoint,
  hubTimeouts,
  hubTokenSource,
  isOfflineEnv,
} from './hub-env.ts';
import { DEFAULT_REVISION, type HubRef, isCommitHash, looksLikePath, parseHubRef } from './hub-ref.ts';
import { planModelFiles } from './model-files.ts';
import type { ModelDtype } from './onnx-variants.ts';

/** Options of {@link resolveModelDir}; every one defaults from the environment as huggingface_hub's do. */
export interface ResolveOptions {
  /** Branch, tag or commit; overrides `@revision` in the ref. Default `main`. */
  revision?: string;
  /** Hub cache root; default `$HF_HUB_CACHE`, `$HF_HOME/hub`, `$XDG_CACHE_HOME/huggingface/hub`, `~/.cache/...`. */
  hubCacheDir?: string;
  /** Hub endpoint; default `$HF_ENDPOINT` or https://huggingface.co. */
  endpoint?: string;
  /**
   * Access token for private or gated repos; default `$HF_TOKEN`, else the token file (`$HF_TOKEN_PATH`, else
   * `$HF_HOME/token`, where `hf auth login` saves it). Never logged.
   */
  token?: string;
  /** Never touch the network; default from `$HF_HUB_OFFLINE`. */
  offline?: boolean;
  /** Which ONNX variant to fetch from transformers.js-layout repos (default fp32). */
  dtype?: ModelDtype;
  logger?: Logger;
  /** Where the defaults above are read from; `process.env` unless given (tests). */
  env?: HubEnv;
}

/**
 * Returns a local folder holding the model `ref` names: a Hugging Face model folder or an ONNX folder (returned as
 * is), or a hub id `org/name[@revision]`, fetched into the hub cache (only the files a model needs) and returned
 * as its snapshot folder.
 *
 * @throws ModelLoadError when the folder does not exist, the ref is neither a folder nor a hub id, the hub refuses
 *   (missing repo, gated without a token) or has no usable weights, or offline without a complete cached copy.
 */
export async function resolveModelDir(ref: string, options: ResolveOptions = {}): Promise<string> {
  const local = await localFolder(ref);
  if (local) return local;
  const hub = parseHubRef(ref, options.revision);
  if (!hub) {
    throw new ModelLoadError(
      `model ${JSON.stringify(ref)} is neither an existing folder nor a hub id like facebook/metaclip-b16-fullcc2.5b[@revision]`,
      { path: ref },
    );
  }
  const env = options.env ?? process.env;
  const cacheDir = options.hubCacheDir ?? hubCacheDir(env);
  const hubOptions = {
    ...options,
    cacheDir,
    cache: repoCache(cacheDir, hub.repoId),
    revision: hub.revision ?? DEFAULT_REVISION,
  };
  // A commit's content never changes: a complete snapshot of it needs no network at all.
  if (isCommitHash(hubOptions.revision)) {
    const cached = await completeSnapshot(hubOptions.cache, hubOptions.revision, options.dtype);
    if (cached) return cached;
  }
  if (options.offline ?? isOfflineEnv(env)) return fromCache(hub, hubOptions, 'HF_HUB_OFFLINE is set');
  const client = new HubClient({
    endpoint: options.endpoint ?? hubEndpoint(env),
    token: options.token ?? (await readHubToken(env)),
    timeouts: hubTimeouts(env),
  });
  try {
    return await download(hub, hubOptions, client);
  } catch (err) {
    if (err instanceof HubNetworkError) {
      options.logger?.warn({ repo: hub.repoId, err: err.message }, 'hub unreachable, trying the local cache');
      return fromCache(hub, hubOptions, `the hub could not be reached: ${err.message}`, err);
    }
    if (err instanceof ModelLoadError) throw err;
    const hint = err instanceof HubHttpError ? '' : ' (nothing half-written was left in the cache)';
    throw new ModelLoadError(`cannot fetch ${hub.repoId}@${hubOptions.revision}: ${(err as Error).message}${hint}`, {
      path: hubOptions.cache.repoDir,
      cause: err,
    });
  }
}

interface HubResolve extends ResolveOptions {
  cacheDir: string;
  cache: RepoCache;
  revision: string;
}

/** The token huggingface_hub would send: `HF_TOKEN`, else the token file's content; none when neither is there. */
async function readHubToken(env: HubEnv): Promise<string | undefined> {
  const source = hubTokenSource(env);
  if (source.kind === 'env') return source.token;
  try {
    return cleanToken(await readFile(source.path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // not logged in: public repos only
    throw new ModelLoadError(`cannot read the Hugging Face token file ${source.path}: ${(err as Error).message}`, {
      path: source.path,
      cause: err,
    });
  }
}

/** A folder `ref` names, or null when `ref` should be tried as a hub id. */
async function localFolder(ref: string): Promise<string | null> {
  const expanded = ref === '~' || ref.startsWith('~/') ? path.join(homedir(), ref.slice(1)) : ref;
  const info = await stat(expanded).catch(() => null);
  if (info?.isDirectory()) return path.resolve(expanded);
  if (info)
    throw new ModelLoadError(`model path ${expanded} is a file; pass the folder that holds config.json`, {
      path: expanded,
    });
  if (looksLikePath(ref))
    throw new ModelLoadError(`model folder ${expanded} does not exist: no config.json to load`, { path: expanded });
  return null;
}

/** Fetches what the plan needs into `snapshots/<commit>`, skipping files already there, then records the ref. */
async function download(hub: HubRef, o: HubResolve, client: HubClient): Promise<string> {
  const { commit, files } = await client.repoInfo(hub.repoId, o.revision);
  const planned = planModelFiles(files, o.dtype);
  if (!planned.ok) {
    throw new ModelLoadError(
      `${hub.repoId}@${o.revision} has no ${planned.missing.join(', nor ')}: it is not a CLIP/MetaCLIP model ` +
        'we can load (check the id and revision, or pass a local folder)',
      { path: `${hub.repoId}@${o.revision}` },
    );
  }
  const snapshot = o.cache.snapshot(commit);
  const present = new Set(await listSnapshotFiles(snapshot));
  for (const file of planned.plan.files) {
    if (present.has(file)) continue;
    const meta = await client.fileMetadata(hub.repoId, commit, file);
    const blob = await fetchBlob(o.cache, meta, client, o.logger);
    await linkIntoSnapshot(snapshot, file, blob);
  }
  if (o.revision !== commit) await writeFileAtomic(o.cache.ref(o.revision), commit);
  o.logger?.info(
    { repo: hub.repoId, revision: o.revision, commit, layout: planned.plan.layout },
    'model resolved from the hub',
  );
  return snapshot;
}

/** The snapshot folder of `commit` when it holds a whole model, else null. */
async function completeSnapshot(cache: RepoCache, commit: string, dtype?: ModelDtype): Promise<string | null> {
  const snapshot = cache.snapshot(commit);
  return planModelFiles(await listSnapshotFiles(snapshot), dtype).ok ? snapshot : null;
}

async function fromCache(hub: HubRef, o: HubResolve, reason: string, cause?: unknown): Promise<string> {
  const commit = isCommitHash(o.revision) ? o.revision : await readRef(o.cache.ref(o.revision));
  const snapshot = commit ? await completeSnapshot(o.cache, commit, o.dtype) : null;
  if (snapshot) {
    o.logger?.info({ repo: hub.repoId, revision: o.revision, commit }, 'model resolved from the local hub cache');
    return snapshot;
  }
  const what = commit ? `snapshot ${commit} in ${o.cache.repoDir} is incomplete` : `${o.cache.repoDir} has no snapshot`;
  throw new ModelLoadError(
    `${hub.repoId}@${o.revision} is not in the Hugging Face cache (${what}; ${reason}). ` +
      'Fill the cache by running once with network access (unset HF_HUB_OFFLINE; HF_ENDPOINT selects a mirror), ' +
      `or with \`hf download ${hub.repoId} --revision ${o.revision} --cache-dir ${o.cacheDir}\`, ` +
      'or pass a local model folder instead.',
    { path: o.cache.repoDir, cause },
  );
}
