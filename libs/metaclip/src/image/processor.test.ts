import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ImageInputError, ModelLoadError } from '../errors.ts';
import { readNpy } from '../model/golden.fixture.ts';
import type { ImageDecodeReason } from './image-input-error.ts';
import { pilResize } from './pil-resample.ts';
import { normalisationTables, resizeTarget, writeChw } from './preprocess.ts';
import { ImageProcessor } from './processor.ts';

const { tinyClip: TINY_CLIP, images: IMAGES, golden } = inject('sharedFixtures');
const GOLDEN = path.join(golden, 'pixels');
const S = 224;
const PER = 3 * S * S;

/** Bitwise equality of two float arrays (vitest's deep equality is slow on 150k elements). */
const sameFloats = (a: Float32Array, b: Float32Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const meanAbsDiff = (a: Float32Array, b: Float32Array): number => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return sum / a.length;
};

/** A PNG whose IHDR claims `width`x`height` RGB pixels, with a tiny IDAT: a decompression bomb's header. */
function pngClaiming(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (data: Buffer) => {
    let c = 0xffffffff;
    for (const byte of data) c = (crcTable[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(width + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

let processor: ImageProcessor;
let tmp: string;
beforeAll(async () => {
  processor = await ImageProcessor.fromDir(TINY_CLIP);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'clip-image-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const pixelsOf = async (input: Buffer | string, p = processor) => {
  const out = new Float32Array(PER);
  const size = await p.preprocess(input, out, 0);
  return { out, size };
};

describe('ImageProcessor matches transformers CLIPImageProcessor', () => {
  it.each(['astronaut.jpg', 'brick.png', 'camera.webp', 'cell.jpg'])(
    '%s is within 0.02 of the golden pixels',
    async (name) => {
      const golden = readNpy(path.join(GOLDEN, `${name}.npy`));
      expect(golden.shape).toEqual([3, S, S]);
      const { out } = await pixelsOf(path.join(IMAGES, name));
      const mae = meanAbsDiff(out, golden.data);
      // Measured with sharp's cubic kernel: ~0.0026, 0.0025, 0.0024, 0.0007.
      expect(mae).toBeLessThan(0.02);
      expect(mae).toBeGreaterThan(0);
    },
  );

  it.each(['chessboard_RGB.jpg', 'page.jpg', 'text.png', 'astronaut-tall.png'])(
    '%s (enlarged) is resized as PIL does, computing only the crop',
    async (name) => {
      const { data, info } = await sharp(path.join(IMAGES, name), { ignoreIcc: true })
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      const from = { width: info.width, height: info.height };
      const to = resizeTarget(from.width, from.height, { shortestEdge: S }) ?? from;
      expect(to.width * to.height).toBeGreaterThan(from.width * from.height);
      const expected = new Float32Array(PER);
      const tables = normalisationTables(processor.spec);
      writeChw(pilResize(data, from, to, 'bicubic'), to, S, tables, expected, 0);
      expect(sameFloats((await pixelsOf(path.join(IMAGES, name))).out, expected)).toBe(true);
    },
  );

  it('reads the model folder config: size and the output slot', () => {
    expect(processor.size).toBe(S);
    expect(processor.floatsPerImage).toBe(PER);
  });

  it('takes a path, a file:// URL or the bytes alike', async () => {
    const file = path.join(IMAGES, 'cell.jpg');
    const byPath = await pixelsOf(file);
    expect(sameFloats((await pixelsOf(pathToFileURL(file).href)).out, byPath.out)).toBe(true);
    expect(sameFloats((await pixelsOf(await readFile(file))).out, byPath.out)).toBe(true);
  });

  it('names a missing preprocessor_config.json', async () => {
    await expect(ImageProcessor.fromDir(tmp)).rejects.toThrow(ModelLoadError);
    await expect(ImageProcessor.fromDir(tmp)).rejects.toThrow(/preprocessor_config\.json is missing/);
  });
});

describe('every format decodes', () => {
  it('decodes every fixture image and reports its original size', async () => {
    const names = (await readdir(IMAGES)).sort();
    expect(names.length).toBeGreaterThan(20);
    const { results, pixels } = await processor.preprocessBatch(names.map((n) => path.join(IMAGES, n)));
    results.forEach((r, i) => {
      expect(r, names[i]).not.toBeInstanceOf(Error);
    });
    expect(results[names.indexOf('astronaut-tall.png')]).toEqual({ width: 200, height: 700 });
    expect(pixels.every(Number.isFinite)).toBe(true);
  });

  it('BMP (decode-bmp) and RGBA PNG (alpha dropped) of the same picture give identical pixels', async () => {
    const bmp = await pixelsOf(path.join(IMAGES, 'astronaut.bmp'));
    const rgba = await pixelsOf(path.join(IMAGES, 'astronaut-rgba.png'));
    expect(sameFloats(bmp.out, rgba.out)).toBe(true);
  });

  it('drops alpha without blending: transparent pixels keep their colour, as PIL convert("RGB") does', async () => {
    const raw = Buffer.alloc(40 * 30 * 4);
    // Fully transparent: resizing with premultiplied alpha would turn every pixel black.
    for (let i = 0; i < 40 * 30; i++) raw.set([200, 100, 50, 0], i * 4);
    const png = await sharp(raw, { raw: { width: 40, height: 30, channels: 4 } })
      .png()
      .toBuffer();
    const { out } = await pixelsOf(png);
    const expected = [200, 100, 50].map((v, c) => Math.fround(Math.fround(v / 255) - (processor.spec.mean[c] ?? 0)));
    for (let c = 0; c < 3; c++) {
      expect(out[c * S * S + 1000]).toBeCloseTo((expected[c] ?? 0) / (processor.spec.std[c] ?? 1), 5);
    }
  });

  it('16-bit RGB and 16-bit grey come out like their 8-bit versions', async () => {
    const jpg = await readFile(path.join(IMAGES, 'astronaut.jpg'));
    const rgb16 = await sharp(jpg).toColourspace('rgb16').png().toBuffer();
    const grey16 = await sharp(jpg).toColourspace('grey16').png().toBuffer();
    const grey8 = await sharp(jpg).toColourspace('b-w').png().toBuffer();
    expect((await sharp(rgb16).metadata()).depth).toBe('ushort');
    expect(meanAbsDiff((await pixelsOf(rgb16)).out, (await pixelsOf(jpg)).out)).toBeLessThan(0.01);
    expect(meanAbsDiff((await pixelsOf(grey16)).out, (await pixelsOf(grey8)).out)).toBeLessThan(0.01);
  });

  it('grey images become three equal channels', async () => {
    const { out } = await pixelsOf(path.join(IMAGES, 'astronaut-gray.jpg'));
    const [mr, mg] = processor.spec.mean;
    const [sr, sg] = processor.spec.std;
    // `+ 0` turns the -0 of a level 0 that comes back a hair below zero into 0.
    const level = (v: number | undefined, mean = 0, std = 1) => Math.round(((v ?? 0) * std + mean) * 255) + 0;
    for (const i of [0, 777, 30000]) expect(level(out[i], mr, sr)).toBe(level(out[S * S + i], mg, sg));
  });

  it('CMYK JPEG converts to RGB', async () => {
    const jpg = await readFile(path.join(IMAGES, 'astronaut.jpg'));
    const cmyk = await sharp(jpg).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const { out, size } = await pixelsOf(cmyk);
    expect(size).toEqual({ width: 512, height: 512 });
    // A CMYK round trip through colour profiles shifts colours (~0.1 here), far from a different picture (~1).
    expect(meanAbsDiff(out, (await pixelsOf(jpg)).out)).toBeLessThan(0.2);
  });

  it('applies EXIF orientation', async () => {
    const cell = await readFile(path.join(IMAGES, 'cell.jpg'));
    // Stored rotated a quarter turn, tagged "rotate 90° clockwise to display": displays as the original.
    const tagged = await sharp(cell).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 100 }).toBuffer();
    expect(await sharp(tagged).metadata()).toMatchObject({ width: 660, height: 550, orientation: 6 });
    const { out, size } = await pixelsOf(tagged);
    expect(size).toEqual({ width: 550, height: 660 });
    const golden = readNpy(path.join(GOLDEN, 'cell.jpg.npy'));
    expect(meanAbsDiff(out, golden.data)).toBeLessThan(0.02);
  });

  it('orients before resizing, as transformers does, also when there is no crop to cut out', async () => {
    // Square, so it resizes straight to 224x224 and libvips cuts nothing out: sharp would then turn it after
    // resizing, a level off here and 3-4 levels on average on a camera photo.
    const cell = await readFile(path.join(IMAGES, 'cell.jpg'));
    const square = await sharp(cell)
      .extract({ left: 0, top: 0, width: 550, height: 550 })
      .rotate(-90)
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 100 })
      .toBuffer();
    const upright = await sharp(square, { autoOrient: true }).png().toBuffer();
    expect(sameFloats((await pixelsOf(square)).out, (await pixelsOf(upright)).out)).toBe(true);
  });

  it('palette PNG and the first frame of an animated GIF', async () => {
    const jpg = await readFile(path.join(IMAGES, 'astronaut.jpg'));
    const palette = await sharp(jpg).png({ palette: true }).toBuffer();
    expect((await sharp(palette).metadata()).isPalette).toBe(true);
    expect(meanAbsDiff((await pixelsOf(palette)).out, (await pixelsOf(jpg)).out)).toBeLessThan(0.05);

    const frame = (colour: string) =>
      sharp({ create: { width: 40, height: 30, channels: 3, background: colour } })
        .png()
        .toBuffer();
    const gif = await sharp([await frame('#ff0000'), await frame('#0000ff')], { join: { animated: true } })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const { out, size } = await pixelsOf(gif);
    expect(size).toEqual({ width: 40, height: 30 });
    const red = (1 - (processor.spec.mean[0] ?? 0)) / (processor.spec.std[0] ?? 1);
    expect(out[S * 112 + 112]).toBeCloseTo(red, 4);
  });
});

describe('bad input becomes an ImageInputError with a reason', () => {
  let jpg: Buffer;
  beforeAll(async () => {
    jpg = await readFile(path.join(IMAGES, 'astronaut.jpg'));
  });

  const reasonOf = async (input: Buffer | string, p = processor): Promise<ImageDecodeReason> => {
    const err = await p.preprocess(input, new Float32Array(PER), 0).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ImageInputError);
    expect((err as ImageInputError).code).toBe('IMAGE_DECODE');
    expect((err as Error).message.length).toBeGreaterThan(10);
    return (err as ImageInputError).reason;
  };

  it('a decompression bomb: a PNG header claiming 30000x30000', async () => {
    expect(await reasonOf(pngClaiming(30000, 30000))).toBe('TOO_MANY_PIXELS');
  });

  it('an image above a configured pixel limit', async () => {
    const small = ImageProcessor.fromConfig({}, { limits: { maxPixels: 100_000 } });
    expect(await reasonOf(jpg, small)).toBe('TOO_MANY_PIXELS');
  });

  it('a sliver whose resize would be above the pixel limit', async () => {
    // 20x400 is 8000 pixels; with its short side at 224 it would be 224x4480, a million.
    const sliver = await sharp({ create: { width: 20, height: 400, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    expect(await reasonOf(sliver, ImageProcessor.fromConfig({}, { limits: { maxPixels: 100_000 } }))).toBe(
      'TOO_MANY_PIXELS',
    );
    expect((await pixelsOf(sliver)).size).toEqual({ width: 20, height: 400 });
  });

  it.each(['astronaut.jpg', 'astronaut-progressive.jpg', 'brick.png', 'camera.webp', 'astronaut.gif', 'astronaut.bmp'])(
    'truncated %s',
    async (name) => {
      const whole = await readFile(path.join(IMAGES, name));
      expect(await reasonOf(whole.subarray(0, Math.floor(whole.length * 0.6)))).toBe('TRUNCATED');
    },
  );

  it('a zero-byte buffer and a zero-byte file', async () => {
    const file = path.join(tmp, 'empty.jpg');
    await writeFile(file, '');
    expect(await reasonOf(Buffer.alloc(0))).toBe('EMPTY');
    expect(await reasonOf(file)).toBe('EMPTY');
  });

  it('files that are not images: text, PDF, SVG', async () => {
    expect(await reasonOf(Buffer.from('just some text, certainly not pixels\n'))).toBe('UNSUPPORTED_FORMAT');
    expect(await reasonOf(Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n'))).toBe('UNSUPPORTED_FORMAT');
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
    expect(await reasonOf(Buffer.from(svg))).toBe('UNSUPPORTED_FORMAT');
  });

  it('a damaged PNG', async () => {
    const png = Buffer.from(await readFile(path.join(IMAGES, 'brick.png')));
    for (let i = 5000; i < 5100; i++) png[i] = (png[i] ?? 0) ^ 0x5a;
    expect(await reasonOf(png)).toBe('CORRUPT');
  });

  it('a missing file, and a directory', async () => {
    expect(await reasonOf(path.join(tmp, 'nope.jpg'))).toBe('NOT_FOUND');
    expect(await reasonOf(tmp)).toBe('UNREADABLE');
  });

  it('too many bytes, from a buffer and from a file', async () => {
    const small = ImageProcessor.fromConfig({}, { limits: { maxBytes: 10_000 } });
    expect(await reasonOf(jpg, small)).toBe('TOO_MANY_BYTES');
    expect(await reasonOf(path.join(IMAGES, 'astronaut.jpg'), small)).toBe('TOO_MANY_BYTES');
  });

  it('keeps the path of a failed file', async () => {
    const file = path.join(tmp, 'nope.png');
    const err = await processor.preprocess(file, new Float32Array(PER), 0).catch((e: unknown) => e);
    expect((err as ImageInputError).source).toBe(file);
  });
});

describe('preprocessBatch', () => {
  it('fills each slot, zeroes the failed ones and never throws for one bad image', async () => {
    const good = path.join(IMAGES, 'cell.jpg');
    const out = new Float32Array(4 * PER).fill(42);
    const { pixels, results } = await processor.preprocessBatch(
      [good, Buffer.from('not an image'), path.join(tmp, 'missing.webp'), pngClaiming(30000, 30000)],
      out,
      { concurrency: 2 },
    );
    expect(pixels).toBe(out);
    expect(results[0]).toEqual({ width: 550, height: 660 });
    expect(results.slice(1).map((r) => (r as ImageInputError).reason)).toEqual([
      'UNSUPPORTED_FORMAT',
      'NOT_FOUND',
      'TOO_MANY_PIXELS',
    ]);
    expect(sameFloats(pixels.subarray(0, PER), (await pixelsOf(good)).out)).toBe(true);
    expect(pixels.subarray(PER).every((v) => v === 0)).toBe(true);
  });

  it('allocates the tensor when none is given, and refuses one too small', async () => {
    const { pixels } = await processor.preprocessBatch([path.join(IMAGES, 'phantom.png')]);
    expect(pixels.length).toBe(PER);
    await expect(processor.preprocessBatch(['a', 'b'], new Float32Array(PER))).rejects.toThrow(RangeError);
  });
});
