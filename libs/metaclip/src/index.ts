export type { MetaClipErrorCode } from './errors';
export { ImageDecodeError, MetaClipError, ModelLoadError, ProviderUnavailableError } from './errors';
