/**
 * Typed errors of `@metaclip-batch/metaclip`.
 *
 * Every error carries a stable `code` (for logs, metrics and error rows) and says whether retrying the same
 * operation could succeed. None of the model errors is retryable: a corrupt image, a bad checkpoint or a missing
 * GPU library stays that way, so callers must not spin on them.
 */

import { ProjectError, registerWireErrors } from '@metaclip-batch/errors';
import type { ImageDecodeReason } from './image/image-input-error.ts';

/** Stable machine-readable codes of the errors below. */
export type MetaClipErrorCode = 'IMAGE_DECODE' | 'MODEL_LOAD' | 'PROVIDER_UNAVAILABLE';

/** Base class of every error this library throws on purpose. */
export class MetaClipError extends ProjectError {
  /** Stable code, safe to use as a metric label. */
  readonly code: MetaClipErrorCode;
  /** Whether the same call might succeed later; false for every model error. */
  readonly retryable: boolean = false;

  constructor(code: MetaClipErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * One image could not be read, decoded or preprocessed; `reason` says which way (a truncated upload, a decompression
 * bomb, an unsupported format, ...). Permanent and per image: the image becomes an error row, the batch and the shard
 * carry on.
 */
export class ImageInputError extends MetaClipError {
  /** Which way the image failed. */
  readonly reason: ImageDecodeReason;
  /** The file path or URI of the image when known (never the bytes). */
  readonly source: string | undefined;

  constructor(reason: ImageDecodeReason, message: string, options?: ErrorOptions & { source?: string | undefined }) {
    super('IMAGE_DECODE', message, options);
    this.reason = reason;
    this.source = options?.source;
  }
}

/**
 * A model could not be loaded: missing or malformed config, corrupt safetensors, unsupported architecture,
 * ONNX files missing or rejected by onnxruntime. `path` names the offending file or config key when known.
 */
export class ModelLoadError extends MetaClipError {
  /** The file (or `file#key`) at fault, when known. */
  readonly path: string | undefined;

  constructor(message: string, options?: ErrorOptions & { path?: string }) {
    super('MODEL_LOAD', message, options);
    this.path = options?.path;
  }
}

/**
 * An execution provider (cuda, webgpu) was asked for but cannot run here: its shared library or the driver
 * is missing, or the device index does not exist. The message says what is missing.
 */
export class ProviderUnavailableError extends MetaClipError {
  /** The provider that failed, e.g. `cuda`. */
  readonly provider: string;

  constructor(provider: string, message: string, options?: ErrorOptions) {
    super('PROVIDER_UNAVAILABLE', message, options);
    this.provider = provider;
  }
}

registerWireErrors(ImageInputError, ModelLoadError, ProviderUnavailableError);
