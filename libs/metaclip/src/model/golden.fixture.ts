/**
 * Test support (not exported by the package): the golden outputs of Hugging Face transformers for
 * `fixtures/tiny-clip`, and a minimal `.npy` reader for the golden pixel_values. Where the fixtures are is not known
 * here: tests have it from `inject('sharedFixtures')` (tests/setup/shared-fixtures.ts), and pass the `golden` folder.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is libs/metaclip/src/model/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** What `golden/tiny_clip.json` holds (the parts the model tests use). */
export interface TinyClipGolden {
  logit_scale: number;
  labels: string[];
  images: Record<string, { image_embeds: number[] }>;
  text: Record<string, { input_ids: number[]; text_embeds: number[] }>;
  pipeline: Record<string, { score: number; label: string }[]>;
}

/** The golden outputs, from `goldenDir` (the shared fixtures' `golden/` folder). */
export function readGolden(goldenDir: string): TinyClipGolden {
  return JSON.parse(readFileSync(path.join(goldenDir, 'tiny_clip.json'), 'utf8')) as TinyClipGolden;
}

/** Images that have golden pixel_values (`golden/pixels/<name>.npy`). */
export const GOLDEN_PIXEL_IMAGES = ['astronaut.jpg', 'brick.png', 'camera.webp', 'cell.jpg'] as const;

/** Read a little-endian float32 C-order `.npy` file (format 1.0/2.0), returning data and shape. */
export function readNpy(file: string): { shape: number[]; data: Float32Array } {
  const bytes = readFileSync(file);
  if (bytes.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not an npy file`);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLength;
  const header = bytes.toString('latin1', major === 1 ? 10 : 12, start);
  if (!header.includes("'descr': '<f4'") || header.includes("'fortran_order': True")) {
    throw new Error(`${file}: only little-endian float32 C-order arrays are supported (${header.trim()})`);
  }
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const copy = new Uint8Array(bytes.subarray(start));
  return { shape, data: new Float32Array(copy.buffer, 0, copy.byteLength / 4) };
}

/** The golden pixel_values of the {@link GOLDEN_PIXEL_IMAGES} from `goldenDir`, concatenated `[4, 3, 224, 224]`. */
export function goldenPixels(goldenDir: string): Float32Array {
  const per = 3 * 224 * 224;
  const out = new Float32Array(GOLDEN_PIXEL_IMAGES.length * per);
  GOLDEN_PIXEL_IMAGES.forEach((name, i) => {
    out.set(readNpy(path.join(goldenDir, 'pixels', `${name}.npy`)).data, i * per);
  });
  return out;
}
