/** Schemas of the settings several apps share, so each is validated (and explained) the same way everywhere. */
import { z } from 'zod';

/** A Redis URL: `redis://` or `rediss://` (TLS). */
export const redisUrlSchema = z.string().refine((url) => {
  try {
    return ['redis:', 'rediss:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}, 'must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379');

/**
 * A Redis key prefix or queue-like name: BullMQ forbids ":" and keys stay readable. At most one Redis Cluster hash
 * tag (`{metaclip}`) is allowed: then every key under the prefix lands in that one slot.
 */
export const keyPrefixSchema = z
  .string()
  .regex(
    /^(?=.)[A-Za-z0-9._-]*(\{[A-Za-z0-9._-]+\})?[A-Za-z0-9._-]*$/,
    'use letters, digits, ".", "_" or "-", with at most one {hash tag}',
  );

/** A switch read from a flag (true) or a variable: 1/true or 0/false (empty: off). */
export const switchSchema = z.union([
  z.boolean(),
  z
    .enum(['', '0', '1', 'false', 'true'], { error: 'use 1 (on) or 0 (off)' })
    .transform((v) => v === '1' || v === 'true'),
]);

/** pino levels. */
export const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Where the model runs: `cpu`, `cuda`, `cuda:N` or `webgpu`. */
export const deviceSchema = z.string().regex(/^(cpu|cuda(:\d+)?|webgpu)$/, 'use cpu, cuda, cuda:N or webgpu');

/** A model reference: a Hugging Face folder, an ONNX folder or a hub id (`org/name[@revision]`). */
export const modelRefSchema = z
  .string({ error: 'name the model with --model (a folder, an ONNX folder or a hub id)' })
  .min(1, 'name the model with --model (a folder, an ONNX folder or a hub id)');
