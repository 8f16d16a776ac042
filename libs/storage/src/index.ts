export {
  FormatError,
  NotFoundError,
  PermanentStorageError,
  RetriesExhaustedError,
  RetryableStorageError,
  StorageError,
} from './errors';
export { type Inventory, listFolders, openInventory } from './inventory';
export {
  type InventoryFile,
  type InventoryFormat,
  type InventoryManifest,
  isInventoryManifestName,
  parseInventoryManifest,
} from './inventory-manifest';
export { LocalStorage } from './local';
export {
  decodeNpy,
  encodeNpy,
  float16ToFloat32,
  float32ToFloat16,
  type NpyArray,
  type NpyDtype,
  type NpyHeader,
  npyFloat32,
  readNpyHeader,
} from './npy';
export { encodeParquet, type ParquetColumn, type ParquetRow, readParquet } from './parquet';
export { type BackoffOptions, backoffDelay, DEFAULT_REQUEST_BUDGET, type RetryOptions, withRetry } from './retry';
export { type Env, type S3ListPage, S3Storage, type S3StorageOptions, s3ClientConfig } from './s3';
export { classifyS3Error, type S3FailureKind } from './s3-errors';
export { discoverPartitions, type FanOutOptions, listFannedOut } from './s3-fanout';
export { closeStorage, type StorageOptions, storageFor } from './storage';
export type { Body, GetOptions, ListOptions, ObjectInfo, PutOptions, Storage } from './types';
export { contentTypeFor, formatUri, isImageKey, joinUri, type ParsedUri, parseUri } from './uri';
