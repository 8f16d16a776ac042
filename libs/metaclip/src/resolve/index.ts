/** Model references: local folders and Hugging Face hub ids with the shared hub cache. */
export { repoFolderName } from './cache-layout';
export { hubCacheDir } from './hub-env';
export { type HubRef, isCommitHash, parseHubRef } from './hub-ref';
export { type ModelFilePlan, planModelFiles, type RepoLayout } from './model-files';
export { type ResolveOptions, resolveModelDir } from './resolve';
