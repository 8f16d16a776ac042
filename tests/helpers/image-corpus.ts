import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { inject } from 'vitest';

/** Files written by {@link makeImageCorpus}, as absolute paths. */
export interface ImageCorpus {
  /** Decodable images. */
  valid: string[];
  /** Files with image extensions that are not decodable images. */
  bad: string[];
}

/** Variations of one photograph: each resizes (small files, fast tests) and re-encodes differently. */
const VARIANTS: ((img: Sharp) => { img: Sharp; ext: string })[] = [
  (img) => ({ img: img.resize({ width: 160 }).jpeg({ quality: 80 }), ext: 'jpg' }),
  (img) => ({ img: img.rotate(90).resize({ height: 128 }).png(), ext: 'png' }),
  (img) => ({ img: img.flop().resize({ width: 200 }).webp({ quality: 70 }), ext: 'webp' }),
  (img) => ({ img: img.grayscale().resize({ width: 96 }).jpeg({ progressive: true }), ext: 'jpeg' }),
  (img) => ({ img: img.rotate(180).blur(1.5).resize({ width: 120, height: 90, fit: 'fill' }).jpeg(), ext: 'jpg' }),
  (img) => ({ img: img.resize({ width: 240, height: 240, fit: 'cover' }).png({ compressionLevel: 1 }), ext: 'png' }),
  (img) => ({
    img: img.modulate({ hue: 90, saturation: 1.5 }).resize({ width: 100 }).webp({ effort: 0 }),
    ext: 'webp',
  }),
  // Low effort, few colours: GIF quantisation is the slow part.
  (img) => ({
    img: img.rotate(33, { background: '#204060' }).resize({ width: 150 }).gif({ effort: 1, colours: 64 }),
    ext: 'gif',
  }),
];

/**
 * Writes 8 variations of each fixture photograph (208 images) under `dir/images/` (resized, rotated, flipped, recoloured and
 * re-encoded with sharp: JPEG, progressive JPEG, PNG, WebP, GIF) plus files that are not images but are
 * named like them: a truncated JPEG, a zero-byte file, a text file, random bytes.
 */
export async function makeImageCorpus(dir: string, opts: { limit?: number } = {}): Promise<ImageCorpus> {
  const fixtures = inject('sharedFixtures').images;
  // sharp reads every fixture format but BMP (which the model library decodes on its own).
  const names = (await readdir(fixtures)).filter((n) => !n.endsWith('.bmp')).sort();
  const out = path.join(dir, 'images');
  await mkdir(out, { recursive: true });
  const valid: string[] = [];
  for (const name of names) {
    // Decode each photograph once, at a small size: the variations then cost little.
    const source = await sharp(await readFile(path.join(fixtures, name)))
      .resize({ width: 320, height: 320, fit: 'inside', withoutEnlargement: true })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const stem = name.replace('.', '_'); // astronaut.jpg and astronaut.gif both make variations
    for (const [v, variant] of VARIANTS.entries()) {
      if (opts.limit !== undefined && valid.length >= opts.limit) break;
      const { img, ext } = variant(sharp(source));
      const file = path.join(out, `${stem}-v${v}.${ext}`);
      await writeFile(file, await img.toBuffer());
      valid.push(file);
    }
  }

  const jpeg = await readFile(path.join(fixtures, 'astronaut.jpg'));
  const bad: [string, Buffer][] = [
    ['truncated.jpg', jpeg.subarray(0, 300)],
    ['empty.jpg', Buffer.alloc(0)],
    ['notes.png', Buffer.from('this is a text file, not a PNG\n')],
    ['noise.webp', Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919 + 13) % 256))],
  ];
  for (const [name, bytes] of bad) await writeFile(path.join(out, name), bytes);
  return { valid: valid.sort(), bad: bad.map(([name]) => path.join(out, name)).sort() };
}
