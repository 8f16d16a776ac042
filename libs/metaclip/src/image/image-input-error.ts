/**
 * Why an image was rejected. `ImageInputError`'s `code` is `IMAGE_DECODE` for all of them; `reason` says which, so
 * error rows and metrics can tell a truncated upload from a decompression bomb.
 */

/** Every way one image can fail to become pixels. */
export type ImageDecodeReason =
  /** The file does not exist. */
  | 'NOT_FOUND'
  /** The file exists but cannot be read (permissions, a directory, an I/O error). */
  | 'UNREADABLE'
  /** Zero bytes. */
  | 'EMPTY'
  /** More encoded bytes than `ImageLimits.maxBytes`. */
  | 'TOO_MANY_BYTES'
  /** The header declares more pixels than `ImageLimits.maxPixels`. */
  | 'TOO_MANY_PIXELS'
  /** Not an image format we decode (text, PDF, SVG, video, ...). */
  | 'UNSUPPORTED_FORMAT'
  /** The data ends before the image does. */
  | 'TRUNCATED'
  /** The data is damaged or self-contradictory. */
  | 'CORRUPT'
  /** Decoding ran past `ImageLimits.timeoutSeconds`. */
  | 'TIMEOUT';

/**
 * Maps a libvips / sharp error message to a reason. `truncated` is the container-level verdict of
 * `looksTruncated`, which catches truncation that decoders only report as a generic read error.
 */
export function classifyDecoderError(message: string, truncated: boolean): ImageDecodeReason {
  if (/exceeds pixel limit/i.test(message)) return 'TOO_MANY_PIXELS';
  if (/timeout/i.test(message)) return 'TIMEOUT';
  if (/unsupported image format/i.test(message)) return 'UNSUPPORTED_FORMAT';
  if (truncated || /premature end|unexpected end|truncated|not enough data/i.test(message)) return 'TRUNCATED';
  return 'CORRUPT';
}

/** A sentence about a decoder failure, for a person reading an error row. */
export function explainReason(reason: ImageDecodeReason, format: string): string {
  const name = format.toUpperCase();
  switch (reason) {
    case 'TRUNCATED':
      return `the ${name} file ends early (an interrupted download or upload?)`;
    case 'TOO_MANY_PIXELS':
      return `the ${name} image has more pixels than the limit`;
    case 'TIMEOUT':
      return `decoding the ${name} image took longer than the limit`;
    case 'UNSUPPORTED_FORMAT':
      return `the ${name} file uses a variant we cannot decode`;
    default:
      return `the ${name} file is damaged`;
  }
}
