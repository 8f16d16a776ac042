/**
 * A run's embeddings put to use: the HNSW index, search, near-duplicates and k-means clusters.
 *
 * @module @metaclip-batch/search
 */
export { AnnIndex, type AnnMatch, DEFAULT_HNSW, exactNearest, type HnswParams } from './ann.ts';
export { type ClusterInfo, type ClusterRunOptions, type ClusterSummary, clusterRun } from './cluster.ts';
export { clusteredVectors } from './clustered-vectors.ts';
export { type DedupOptions, type DedupSummary, dedupRun } from './dedup.ts';
export { requirePositiveInt, SearchError, type SearchErrorCode } from './errors.ts';
export { type DuplicateGroup, type LabelGallery, RunExplorer } from './explorer.ts';
export { type IndexRunOptions, type IndexSummary, indexRun } from './index-build.ts';
export { defaultIndexUri, INDEX_FILES, type IndexInfo, localIndexDir } from './index-files.ts';
export { type KMeansOptions, type KMeansResult, sphericalKMeans } from './kmeans.ts';
export { QueryEncoder } from './query-encoder.ts';
export { openRun, type RunImage, type RunReader, type RunShard, readAllVectors } from './run-reader.ts';
export { IndexSearcher, type QueryOptions, type SearchHit } from './searcher.ts';
export { isInsideSource, type ThumbnailOptions, Thumbnails } from './thumbnails.ts';
export { exactTopK, type Neighbour, normalizeInPlace } from './vectors.ts';
