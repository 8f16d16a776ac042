import { describe, expect, it } from 'vitest';
import { classifyDecoderError } from './image-input-error.ts';
import { looksTruncated, sniffImageFormat } from './sniff.ts';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('sniffImageFormat', () => {
  it.each([
    [bytes([0xff, 0xd8, 0xff, 0xe0]), 'jpeg'],
    [bytes([0x89], 'PNG\r\n\x1a\n'), 'png'],
    [bytes('GIF89a'), 'gif'],
    [bytes('RIFF', [1, 0, 0, 0], 'WEBPVP8 '), 'webp'],
    [bytes('II*\0'), 'tiff'],
    [bytes([0, 0, 0, 0x1c], 'ftypavif'), 'heif'],
    [bytes('BM', Array(30).fill(0)), 'bmp'],
    [bytes('%PDF-1.7\n'), undefined],
    [bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'), undefined],
    [bytes([0, 0, 0, 0x1c], 'ftypisom'), undefined],
    [bytes('BM'), undefined],
    [bytes(''), undefined],
  ])('%#: %s', (buf, format) => {
    expect(sniffImageFormat(buf)).toBe(format);
  });
});

describe('looksTruncated', () => {
  it('sees missing end markers and short RIFF bodies', () => {
    expect(looksTruncated('png', bytes([0x89], 'PNG\r\n\x1a\n....IHDR....'))).toBe(true);
    expect(looksTruncated('png', bytes([0x89], 'PNG\r\n\x1a\n....IEND', [0xae, 0x42, 0x60, 0x82]))).toBe(false);
    expect(looksTruncated('jpeg', bytes([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]))).toBe(true);
    expect(looksTruncated('jpeg', bytes([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]))).toBe(false);
    expect(looksTruncated('gif', bytes('GIF89a', [1, 2, 3]))).toBe(true);
    expect(looksTruncated('gif', bytes('GIF89a', [1, 2, 3, 0x3b]))).toBe(false);
    expect(looksTruncated('webp', bytes('RIFF', [100, 0, 0, 0], 'WEBPVP8 '))).toBe(true);
    expect(looksTruncated('webp', bytes('RIFF', [4, 0, 0, 0], 'WEBP'))).toBe(false);
  });
});

describe('classifyDecoderError', () => {
  it.each([
    ['Input image exceeds pixel limit', false, 'TOO_MANY_PIXELS'],
    ['timeout: 12% complete', false, 'TIMEOUT'],
    ['Input buffer contains unsupported image format', false, 'UNSUPPORTED_FORMAT'],
    ['VipsJpeg: premature end of JPEG image', false, 'TRUNCATED'],
    ['vipspng: libpng read error', true, 'TRUNCATED'],
    ['vipspng: libpng read error', false, 'CORRUPT'],
  ])('%s (container truncated: %s) -> %s', (message, truncated, reason) => {
    expect(classifyDecoderError(message, truncated)).toBe(reason);
  });
});
