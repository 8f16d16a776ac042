/**
 * How close our preprocessing comes to transformers' CLIPImageProcessor (PIL bicubic) with each of sharp's resize
 * kernels: mean absolute difference, in normalised units, from the golden `pixel_values` of ../shared, per image.
 * This is how `cubic` was chosen for PIL's bicubic. Prints a table on stderr and one JSON object on stdout.
 *
 * Usage: tsx bench/preprocess-accuracy.ts
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { KernelEnum } from 'sharp';
import { parsePreprocessorConfig } from '../libs/metaclip/src/image/config';
import { decodeImage } from '../libs/metaclip/src/image/decode';
import { resolveImageLimits } from '../libs/metaclip/src/image/limits';
import { normalisationTables, resizeTarget, writeChw } from '../libs/metaclip/src/image/preprocess';
import { REPO_ROOT } from './lib/workload';

const SHARED = path.resolve(REPO_ROOT, '../shared');
const IMAGES = ['astronaut.jpg', 'brick.png', 'camera.webp', 'cell.jpg'];
const KERNELS: (keyof KernelEnum)[] = ['cubic', 'mitchell', 'lanczos2', 'lanczos3', 'mks2013', 'mks2021', 'linear'];

const spec = parsePreprocessorConfig(
  JSON.parse(await readFile(path.join(SHARED, 'fixtures/tiny-clip/preprocessor_config.json'), 'utf8')),
);
const tables = normalisationTables(spec);
const limits = resolveImageLimits();
const per = 3 * spec.size * spec.size;

/** The float32 payload of a golden .npy (little-endian, C order, version 1 header). */
async function golden(name: string): Promise<Float32Array> {
  const buf = await readFile(path.join(SHARED, 'fixtures/golden/pixels', `${name}.npy`));
  const start = 10 + buf.readUInt16LE(8);
  return new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
}

const mae: Record<string, Record<string, number>> = {};
for (const name of IMAGES) {
  const [bytes, expected] = await Promise.all([readFile(path.join(SHARED, 'fixtures/images', name)), golden(name)]);
  mae[name] = {};
  for (const kernel of KERNELS) {
    const decoded = await decodeImage(bytes, {
      limits,
      kernel,
      target: (o) => (spec.resize ? resizeTarget(o.width, o.height, spec.resize) : null),
    });
    const out = new Float32Array(per);
    writeChw(decoded.rgb, decoded.resized, spec.size, tables, out, 0);
    let sum = 0;
    for (let i = 0; i < per; i++) sum += Math.abs((out[i] ?? 0) - (expected[i] ?? 0));
    mae[name][kernel] = Number((sum / per).toFixed(5));
  }
}

process.stderr.write(`${['image', ...KERNELS].join('\t')}\n`);
for (const name of IMAGES) process.stderr.write(`${[name, ...KERNELS.map((k) => mae[name]?.[k])].join('\t')}\n`);
process.stdout.write(`${JSON.stringify({ mae })}\n`);
