/**
 * BMP, which libvips cannot read: the header is checked here (size limits before any allocation, layouts the
 * `decode-bmp` package would misread), 24/32-bit true colour is unpacked here straight into RGB, `decode-bmp`
 * decodes the palette layouts, and the pixels leave as packed RGB for sharp.
 */
import decodeBmp from 'decode-bmp';
import { ImageInputError } from '../errors.ts';

/** What the BMP header declares. */
export interface BmpHeader {
  width: number;
  height: number;
  /** Rows stored top row first (negative height in the file). */
  topDown: boolean;
  bitsPerPixel: number;
}

/** Raw pixels, 3 bytes per pixel, rows top to bottom. */
export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

const FILE_HEADER = 14;
const INFO_HEADER = 40;
const BI_RGB = 0;
const BI_BITFIELDS = 3;

/**
 * Reads and vets the header of a BMP. Accepts what `decode-bmp` decodes correctly: 1/2/4/8-bit palettes and 24/32-bit
 * true colour, uncompressed (or 32-bit bit fields in the usual BGRA order), pixels right after header and palette.
 * @throws ImageInputError `TRUNCATED`, `CORRUPT`, `UNSUPPORTED_FORMAT`, or `TOO_MANY_PIXELS` above `maxPixels`.
 */
export function readBmpHeader(buf: Buffer, maxPixels: number, source?: string): BmpHeader {
  const fail = (reason: 'TRUNCATED' | 'CORRUPT' | 'UNSUPPORTED_FORMAT', why: string) =>
    new ImageInputError(reason, `BMP ${why}`, { source });
  if (buf.length < FILE_HEADER + INFO_HEADER) throw fail('TRUNCATED', 'ends inside its header');
  const pixelOffset = buf.readUInt32LE(10);
  const infoSize = buf.readUInt32LE(14);
  const width = buf.readInt32LE(18);
  const rawHeight = buf.readInt32LE(22);
  const bitsPerPixel = buf.readUInt16LE(28);
  const compression = buf.readUInt32LE(30);
  const colorsUsed = buf.readUInt32LE(46);
  if (infoSize < INFO_HEADER) throw fail('UNSUPPORTED_FORMAT', `with a ${infoSize}-byte OS/2 header is not supported`);
  if (width <= 0 || rawHeight === 0) throw fail('CORRUPT', `declares ${width}x${rawHeight} pixels`);
  const height = Math.abs(rawHeight);
  if (width * height > maxPixels) {
    throw new ImageInputError(
      'TOO_MANY_PIXELS',
      `BMP declares ${width}x${height} pixels, above the limit of ${maxPixels}`,
      {
        source,
      },
    );
  }
  const standardMasks =
    buf.length >= 66 &&
    buf.readUInt32LE(54) === 0xff0000 &&
    buf.readUInt32LE(58) === 0xff00 &&
    buf.readUInt32LE(62) === 0xff;
  const bitFields = compression === BI_BITFIELDS && bitsPerPixel === 32 && infoSize >= 52 && standardMasks;
  if (compression !== BI_RGB && !bitFields) {
    throw fail('UNSUPPORTED_FORMAT', `compression ${compression} at ${bitsPerPixel} bits per pixel is not supported`);
  }
  const paletteBytes = bitsPerPixel <= 8 ? 4 * (colorsUsed || 2 ** bitsPerPixel) : 0;
  if (pixelOffset !== FILE_HEADER + infoSize + paletteBytes) {
    throw fail('UNSUPPORTED_FORMAT', `with a gap before its pixel data (offset ${pixelOffset}) is not supported`);
  }
  return { width, height, topDown: rawHeight < 0, bitsPerPixel };
}

/**
 * Decodes a BMP to packed RGB. Alpha, if any, is dropped, like PIL's `convert("RGB")` (32-bit BMPs often carry
 * garbage there). Synchronous: `maxPixels` bounds how long it blocks.
 * @throws ImageInputError see {@link readBmpHeader}; `TRUNCATED` when the pixel data ends early.
 */
export function decodeBmpToRgb(buf: Buffer, maxPixels: number, source?: string): RgbImage {
  const header = readBmpHeader(buf, maxPixels, source);
  if (header.bitsPerPixel === 24 || header.bitsPerPixel === 32) return unpackTrueColour(buf, header, source);
  let input = buf;
  if (header.topDown) {
    // decode-bmp reads the height as unsigned; hand it a bottom-up header and undo the flip below.
    input = Buffer.from(buf);
    input.writeInt32LE(header.height, 22);
  }
  let rgba: Uint8ClampedArray;
  try {
    rgba = decodeBmp(input).data;
  } catch (err) {
    const message = (err as Error).message;
    const truncated = err instanceof RangeError || /truncated/i.test(message);
    throw new ImageInputError(truncated ? 'TRUNCATED' : 'UNSUPPORTED_FORMAT', `BMP cannot be decoded: ${message}`, {
      source,
      cause: err,
    });
  }
  const { width, height } = header;
  const data = Buffer.allocUnsafe(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = (header.topDown ? height - 1 - y : y) * width * 4;
    const to = y * width * 3;
    for (let x = 0; x < width; x++) {
      data[to + 3 * x] = rgba[from + 4 * x] ?? 0;
      data[to + 3 * x + 1] = rgba[from + 4 * x + 1] ?? 0;
      data[to + 3 * x + 2] = rgba[from + 4 * x + 2] ?? 0;
    }
  }
  return { data, width, height };
}

/**
 * 24-bit BGR or 32-bit BGRX rows (each padded to 4 bytes) to packed RGB. decode-bmp goes through RGBA with a
 * per-pixel reader (~50 ms for 512x512 on the worker's main thread); this is one pass over the bytes. The last row
 * may omit its padding, as some writers do.
 * @throws ImageInputError `TRUNCATED` when the pixel data ends early.
 */
function unpackTrueColour(buf: Buffer, header: BmpHeader, source: string | undefined): RgbImage {
  const { width, height, topDown } = header;
  const bytes = header.bitsPerPixel / 8;
  const stride = Math.ceil((width * bytes) / 4) * 4;
  const start = buf.readUInt32LE(10);
  if (buf.length < start + stride * (height - 1) + width * bytes) {
    throw new ImageInputError('TRUNCATED', `BMP pixel data ends early (${buf.length} bytes)`, { source });
  }
  const data = Buffer.allocUnsafe(width * height * 3);
  for (let y = 0, o = 0; y < height; y++) {
    let p = start + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++, o += 3, p += bytes) {
      data[o] = buf[p + 2] as number;
      data[o + 1] = buf[p + 1] as number;
      data[o + 2] = buf[p] as number;
    }
  }
  return { data, width, height };
}
