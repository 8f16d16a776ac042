export {
  FormatError,
  NotFoundError,
  PermanentStorageError,
  RetriesExhaustedError,
  RetryableStorageError,
  StorageError,
} from './errors.ts';
export { type Inventory, listFolders, openInventory } from './inventory.ts';
export {
  type InventoryFile,
  type InventoryFormat,
  type InventoryManifest,
  isInventoryManifestName,
  parseInventoryManifest,
} from './inventory-manifest.ts';
export { LocalStorage } from './local.ts';
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
} from './npy.ts';
export { encodeParquet, type ParquetColumn, type ParquetRow, readParquet } from './parquet.ts';
export { type BackoffOptions, DEFAULT_REQUEST_BUDGET, type RetryOptions, withRetry } from './retry.ts';
export { type Env, S3Storage, type S3StorageOptions } from './s3.ts';
export { discoverPartitions, type FanOutOptions, listFannedOut } from './s3-fanout.ts';
export { closeStorage, type StorageOptions, storageFor } from './storage.ts';
export type { Body, GetOptions, ListOptions, ObjectInfo, PutOptions, Storage } from './types.ts';
export { formatUri, isImageKey, joinUri, type ParsedUri, parseUri } from './uri.ts';
