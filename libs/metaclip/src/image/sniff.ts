/**
 * Recognises image formats by their magic bytes, so only raster formats we mean to accept reach a decoder (libvips
 * would also open SVG, PDF and others, which have no place in a photo bucket), and tells a truncated container from
 * a damaged one when a decoder only says "read error".
 */

/** Formats we decode: libvips for all but BMP, which it cannot read. */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'heif' | 'bmp';

/** ISO-BMFF brands of still AVIF and HEIF images (and their sequences, of which we take the primary image). */
const HEIF_BRANDS = new Set(['avif', 'avis', 'heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);

const JPEG_EOI = Buffer.from([0xff, 0xd9]);

const startsWith = (buf: Buffer, bytes: readonly number[], at = 0): boolean =>
  buf.length >= at + bytes.length && bytes.every((b, i) => buf[at + i] === b);
const ascii = (buf: Buffer, from: number, to: number): string => buf.toString('latin1', from, to);

/** The format `buf` starts like, or `undefined` when it is none we decode. */
export function sniffImageFormat(buf: Buffer): ImageFormat | undefined {
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(buf, 0, 6) === 'GIF87a' || ascii(buf, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 12) === 'WEBP') return 'webp';
  if (startsWith(buf, [0x49, 0x49, 0x2a, 0x00]) || startsWith(buf, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (ascii(buf, 4, 8) === 'ftyp' && HEIF_BRANDS.has(ascii(buf, 8, 12))) return 'heif';
  if (ascii(buf, 0, 2) === 'BM' && buf.length >= 26) return 'bmp';
  return undefined;
}

/**
 * Whether the container visibly ends early: a PNG without its IEND chunk, a JPEG without an end-of-image marker,
 * a GIF without its trailer, a WebP shorter than its RIFF size. Formats without such a mark answer false.
 */
export function looksTruncated(format: ImageFormat, buf: Buffer): boolean {
  switch (format) {
    case 'png':
      return buf.lastIndexOf('IEND', undefined, 'latin1') < 0;
    case 'jpeg':
      // The last EOI may belong to an EXIF thumbnail; decoders still report such truncation as "premature end".
      return buf.lastIndexOf(JPEG_EOI) < 0;
    case 'gif':
      // Encoders may pad after the trailer byte, so look for it near the end rather than exactly last.
      return !buf.subarray(-16).includes(0x3b);
    case 'webp':
      return buf.length < 12 || 8 + buf.readUInt32LE(4) > buf.length;
    default:
      return false;
  }
}
