/**
 * Reads the JSON files of a model folder, turning every way they can be wrong into a {@link ModelLoadError} that
 * names the file, so a person knows which one to fix.
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { ModelLoadError } from '../errors.ts';

/**
 * Reads and parses `file`. A missing file gives `undefined` when `optional`, a {@link ModelLoadError} otherwise;
 * an unreadable or malformed file always throws.
 */
export async function readJsonFile(file: string, opts: { optional?: boolean } = {}): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      if (opts.optional) return undefined;
      throw new ModelLoadError(`${file} is missing`, { path: file, cause: err });
    }
    throw new ModelLoadError(`${file} cannot be read: ${(err as Error).message}`, { path: file, cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ModelLoadError(`${file} is not valid JSON: ${(err as Error).message}`, { path: file, cause: err });
  }
}

/**
 * Validates the parsed content of `file` against `schema`.
 * @throws ModelLoadError naming the file and the first offending key.
 */
export function parseJsonWith<T>(schema: z.ZodType<T>, json: unknown, file: string): T {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new ModelLoadError(`${file} is malformed${where}: ${issue?.message ?? 'invalid'}`, { path: file });
}
