/**
 * How much a single image may cost. Images come from buckets nobody vetted: a 50 KB PNG can claim 30000x30000
 * pixels (a decompression bomb), a file can be gigabytes, a decoder can spin. Every limit turns into an
 * {@link ImageInputError} for that image alone.
 */

/** Per-image limits of decoding. */
export interface ImageLimits {
  /** Largest width x height a header may declare; checked before any pixel is decoded. */
  maxPixels: number;
  /** Largest encoded size in bytes; checked before a file is read. */
  maxBytes: number;
  /** Longest a decode + resize may run, in whole seconds (libvips' granularity). */
  timeoutSeconds: number;
}

/** 100 megapixels (a 12000x8000 photo passes), 64 MiB encoded, 30 s. */
export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = Object.freeze({
  maxPixels: 100_000_000,
  maxBytes: 64 * 1024 * 1024,
  timeoutSeconds: 30,
});

/**
 * Fills unset limits with the defaults.
 * @throws RangeError when a limit is not a positive integer: a misconfiguration, not a bad image.
 */
export function resolveImageLimits(limits: Partial<ImageLimits> = {}): ImageLimits {
  const resolved = { ...DEFAULT_IMAGE_LIMITS, ...limits };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`image limit ${key} must be a positive integer, got ${value}`);
    }
  }
  return resolved;
}
