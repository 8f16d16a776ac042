/**
 * Model references: local folders and Hugging Face hub ids with the shared hub cache.
 *
 * @module @metaclip-batch/metaclip/resolve
 */
export { repoFolderName } from './cache-layout.ts';
export { hubCacheDir } from './hub-env.ts';
export { type HubRef, isCommitHash, parseHubRef } from './hub-ref.ts';
export { type ModelFilePlan, planModelFiles, type RepoLayout } from './model-files.ts';
export { MODEL_DTYPES, type ModelDtype, ONNX_VARIANT_SUFFIX } from './onnx-variants.ts';
export { type ResolveOptions, resolveModelDir } from './resolve.ts';
