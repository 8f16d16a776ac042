/**
 * Gets the encoded bytes of an image, a buffer or a file, and refuses the cheap-to-detect failures (missing, empty,
 * too large) before anything is decoded. A file's size is checked on the open handle, before it is read.
 */
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ImageInputError } from '../errors.ts';

/** An image to decode: its bytes, or a file path (a `file://` URL works too). */
export type ImageInput = Buffer | string;

/**
 * The encoded bytes of `input`.
 * @throws ImageInputError `NOT_FOUND`, `UNREADABLE`, `EMPTY`, or `TOO_MANY_BYTES` above `maxBytes`.
 */
export async function readImageSource(input: ImageInput, maxBytes: number): Promise<Buffer> {
  const source = typeof input === 'string' ? input : undefined;
  const checkSize = (size: number) => {
    if (size === 0) throw new ImageInputError('EMPTY', 'the image is empty (0 bytes)', { source });
    if (size > maxBytes) {
      throw new ImageInputError('TOO_MANY_BYTES', `the image has ${size} bytes, above the limit of ${maxBytes}`, {
        source,
      });
    }
  };
  if (typeof input !== 'string') {
    checkSize(input.length);
    return input;
  }
  const file = input.startsWith('file://') ? fileURLToPath(input) : input;
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    checkSize(size);
    return await handle.readFile();
  } catch (err) {
    if (err instanceof ImageInputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new ImageInputError('NOT_FOUND', `no such image file: ${file}`, { source, cause: err });
    throw new ImageInputError('UNREADABLE', `cannot read ${file}: ${(err as Error).message}`, { source, cause: err });
  } finally {
    await handle?.close();
  }
}
