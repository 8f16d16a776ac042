/**
 * Encoded bytes -> resized 8-bit sRGB RGB, as PIL would see the image after `convert("RGB")`: EXIF orientation
 * applied, first frame only, alpha dropped (not blended), embedded ICC profiles ignored, grey / palette / CMYK /
 * 16-bit turned into 8-bit RGB. sharp (libvips, on libuv's thread pool) decodes and shrinks; enlargements, where
 * libvips and PIL part ways, are resampled by {@link pilResize}.
 */
import sharp, { type KernelEnum, type Sharp, type SharpOptions } from 'sharp';
import { ImageInputError } from '../errors.ts';
import { decodeBmpToRgb } from './bmp.ts';
import { classifyDecoderError, explainReason } from './image-input-error.ts';
import type { ImageLimits } from './limits.ts';
import { type PilFilter, pilResize } from './pil-resample.ts';
import { cropRegion, type Dimensions, type Region } from './preprocess.ts';
import { type ImageFormat, looksTruncated, sniffImageFormat } from './sniff.ts';

/** A decoded image: its original (oriented) size and the packed RGB of (part of) its resized version. */
export interface DecodedImage {
  /** Size of the image as displayed, after EXIF orientation, before resizing. */
  original: Dimensions;
  /** Size of the resized image. */
  resized: Dimensions;
  /** The part of the resized image that `rgb` holds: all of it, or at least the centre crop asked for. */
  region: Region;
  /** 3 bytes per pixel, rows top to bottom. */
  rgb: Uint8Array;
}

/**
 * How close to Hugging Face's pixels decoding stays:
 * - `exact` (the default): transformers' `CLIPImageProcessor` pixels — the full image decoded and EXIF-oriented,
 *   shrunk by libvips, enlarged with PIL's own filter, alpha dropped before resizing;
 * - `fast`: JPEG and WebP shrink-on-load (the decoder skips detail the resize would throw away), EXIF orientation
 *   applied to the resized image, libvips for enlargements and for alpha in one pass. Cheaper, most of all on large
 *   photos, and a few levels off per pixel (the bound is in decode-mode.test.ts).
 */
export type DecodeMode = 'exact' | 'fast';

/** The {@link DecodeMode}s, for option parsers. */
export const DECODE_MODES: readonly DecodeMode[] = ['exact', 'fast'];

/** How to decode: limits, the resize kernel, and the target size as a function of the original size. */
export interface DecodeOptions {
  limits: ImageLimits;
  /** Default `exact`. */
  mode?: DecodeMode | undefined;
  /** Any sharp kernel; a config's `ResizeKernel` is one of them. */
  kernel: keyof KernelEnum;
  /** The resized size for an original size, or `null` to keep it. */
  target: (original: Dimensions) => Dimensions | null;
  /** Side of the centre crop the caller will take: pixels outside it need not be computed. */
  crop?: number | undefined;
  /** Path or URI for error messages. */
  source?: string | undefined;
}

/** The PIL filters that config.ts's sharp kernels stand in for. */
const PIL_FILTERS: Partial<Record<keyof KernelEnum, PilFilter>> = {
  linear: 'bilinear',
  cubic: 'bicubic',
  lanczos3: 'lanczos',
};

/**
 * The PIL filter to resize `original` to `target` with ourselves, or `null` to let libvips do it. Enlargements go to
 * {@link pilResize}: libvips' upsampling puts samples elsewhere than PIL (200 -> 224 px with `cubic` was 7 levels
 * off on average, up to 136), while its shrinking agrees within ~0.2 levels on average, several times faster, and
 * off the main thread. An enlargement's source is smaller than its target and only the centre crop is computed, so
 * it costs a few milliseconds of JavaScript.
 */
export function pilFilterFor(kernel: keyof KernelEnum, original: Dimensions, target: Dimensions): PilFilter | null {
  const enlarges = target.width > original.width || target.height > original.height;
  return enlarges ? (PIL_FILTERS[kernel] ?? null) : null;
}

/**
 * The region of the resized image for libvips to cut out, or `null` for none (the caller then crops from the whole).
 * - Cutting out the centre crop in libvips means fewer pixels resampled, converted and copied, with the same values
 *   (libvips computes the resize on demand, region by region).
 * - It also decides when an image with an EXIF orientation is turned: sharp orients the full-size image before
 *   resizing only when its pipeline extracts, and otherwise resizes first and orients the small result.
 *   transformers orients first (`load_image`'s `exif_transpose`), and on a camera photo's 13x shrink the two orders
 *   are 3-4 levels apart on average. So `exact` always extracts from an oriented image (the whole of it when there
 *   is no crop), and `fast` never does: turning 70,000 pixels instead of 12 million halves its cost on a rotated
 *   photo.
 */
export function extractFor(
  mode: DecodeMode,
  reorients: boolean,
  resized: Dimensions,
  crop: Region | undefined,
): Region | null {
  if (reorients) return mode === 'exact' ? (crop ?? { left: 0, top: 0, ...resized }) : null;
  return crop && (crop.width < resized.width || crop.height < resized.height) ? crop : null;
}

/**
 * Decodes `buf` and resizes it per `opts.target`.
 * @throws ImageInputError with the reason (`UNSUPPORTED_FORMAT`, `TOO_MANY_PIXELS`, `TRUNCATED`, `CORRUPT`, `TIMEOUT`)
 *   when the bytes are not a usable image; any other error is a fault of ours, not of the image.
 */
export async function decodeImage(buf: Buffer, opts: DecodeOptions): Promise<DecodedImage> {
  const format = sniffImageFormat(buf);
  if (!format) {
    const message = 'not an image we can decode (JPEG, PNG, GIF, WebP, TIFF, AVIF/HEIF or BMP)';
    throw new ImageInputError('UNSUPPORTED_FORMAT', message, { source: opts.source });
  }
  // Only what libvips says about the bytes makes an image bad; anything our own code throws (the resampler, the
  // size check below) is a bug and propagates as it is, so it fails the shard instead of writing an error row.
  const libvips = <T>(work: Promise<T>): Promise<T> =>
    work.catch((err: unknown) => {
      throw asInputError(err, format, buf, opts.source);
    });
  const { image, original, reorients } = format === 'bmp' ? fromBmp(buf, opts) : await fromEncoded(buf, opts, libvips);
  const target = opts.target(original);
  if (target && target.width * target.height > opts.limits.maxPixels) {
    // A sliver (say 1 x 100000) "resized" to a short side of 224 would be billions of pixels.
    const message = `resizing to ${target.width}x${target.height} exceeds the limit of ${opts.limits.maxPixels} pixels`;
    throw new ImageInputError('TOO_MANY_PIXELS', message, { source: opts.source });
  }
  const fast = opts.mode === 'fast';
  const filter = target && !fast && pilFilterFor(opts.kernel, original, target);
  // Shrink-on-load (libjpeg / libwebp scaling while decoding) is faster but not PIL: it put WebP 5x further from
  // transformers' pixels (mean abs. error 0.012 instead of 0.0024), so only `fast` uses it.
  if (target && !filter) image.resize({ ...target, kernel: opts.kernel, fit: 'fill', fastShrinkOnLoad: fast });
  const decoded = filter ? original : (target ?? original);
  const crop = !filter && opts.crop ? cropRegion(decoded, opts.crop) : undefined;
  const extract = extractFor(opts.mode ?? 'exact', reorients, decoded, crop);
  if (extract) image.extract(extract);
  const held = extract ?? { left: 0, top: 0, ...decoded };
  const { data, info } = await libvips(
    image
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .timeout({ seconds: opts.limits.timeoutSeconds })
      .toBuffer({ resolveWithObject: true }),
  );
  if (info.channels !== 3 || info.width !== held.width || info.height !== held.height) {
    throw new Error(
      `decoder produced ${info.width}x${info.height}x${info.channels}, expected ${held.width}x${held.height}x3`,
    );
  }
  if (!target || !filter) return { original, resized: decoded, region: held, rgb: data };
  const region = opts.crop ? cropRegion(target, opts.crop) : { left: 0, top: 0, ...target };
  return { original, resized: target, region, rgb: pilResize(data, original, target, filter, region) };
}

/** Options every libvips load gets: strict about damage, bounded in size, PIL's view of orientation and colour. */
function loadOptions(limits: ImageLimits): SharpOptions {
  return {
    failOn: 'error',
    limitInputPixels: limits.maxPixels,
    autoOrient: true,
    // PIL (and so CLIP's training and transformers) ignores embedded profiles; converting would shift colours.
    ignoreIcc: true,
    page: 0,
    pages: 1,
  };
}

/** A decoder's first step: the image to resize, its displayed size, and whether its EXIF orientation turns it. */
interface Loaded {
  image: Sharp;
  original: Dimensions;
  reorients: boolean;
}

function fromBmp(buf: Buffer, opts: DecodeOptions): Loaded {
  const { data, width, height } = decodeBmpToRgb(buf, opts.limits.maxPixels, opts.source);
  return { image: sharp(data, { raw: { width, height, channels: 3 } }), original: { width, height }, reorients: false };
}

async function fromEncoded(
  buf: Buffer,
  opts: DecodeOptions,
  libvips: <T>(work: Promise<T>) => Promise<T>,
): Promise<Loaded> {
  const load = loadOptions(opts.limits);
  const meta = await libvips(sharp(buf, load).metadata());
  const original = meta.autoOrient;
  if (original.width * original.height > opts.limits.maxPixels) {
    throw new ImageInputError(
      'TOO_MANY_PIXELS',
      `the image declares ${original.width}x${original.height} pixels, above the limit of ${opts.limits.maxPixels}`,
      { source: opts.source },
    );
  }
  const reorients = (meta.orientation ?? 1) > 1;
  if (!meta.hasAlpha || opts.mode === 'fast') return { image: sharp(buf, load), original, reorients };
  // libvips resizes with premultiplied alpha, which would blend colour into transparent pixels; PIL drops alpha
  // first and keeps their colour. So `exact` drops it in a pass of its own, then resizes the plain RGB.
  const { data, info } = await libvips(
    sharp(buf, load)
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .timeout({ seconds: opts.limits.timeoutSeconds })
      .toBuffer({ resolveWithObject: true }),
  );
  // That pass has oriented the full image already.
  const image = sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } });
  return { image, original, reorients: false };
}

/** Wraps what libvips threw about an image's bytes into an {@link ImageInputError} a person can act on. */
function asInputError(err: unknown, format: ImageFormat, buf: Buffer, source: string | undefined): ImageInputError {
  if (err instanceof ImageInputError) return err;
  const detail = (err as Error).message.split('\n')[0] ?? '';
  const reason = classifyDecoderError(detail, looksTruncated(format, buf));
  return new ImageInputError(reason, `${explainReason(reason, format)}: ${detail}`, { source, cause: err });
}
