import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { storageFor } from '@metaclip-batch/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Semaphore } from './bounded.ts';
import { CaptionError, MAX_SIDECAR_BYTES, parseCaption, readCaption } from './captions.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CaptionError);
    expect((error as CaptionError).retryable).toBe(false);
    return (error as CaptionError).code;
  }
  return undefined;
}

describe('parseCaption', () => {
  it("takes a .txt's text and a .json's caption, trimmed; blank or absent is no caption", () => {
    expect(parseCaption('txt', bytes('a dog on a beach\n'), 'a.txt')).toBe('a dog on a beach');
    expect(parseCaption('txt', bytes('\uFEFFun chien, 狗\r\n'), 'a.txt')).toBe('un chien, 狗');
    expect(parseCaption('txt', bytes(' \n'), 'a.txt')).toBeNull();
    const img2dataset = { caption: 'a red car', url: 'https://x/y.jpg', key: '000000001', status: 'success' };
    expect(parseCaption('json', bytes(JSON.stringify(img2dataset)), 'a.json')).toBe('a red car');
    expect(parseCaption('json', bytes('{"caption": null, "status": "success"}'), 'a.json')).toBeNull();
    expect(parseCaption('json', bytes('{"url": "https://x/y.jpg"}'), 'a.json')).toBeNull();
  });

  it('refuses bytes that give no caption, naming the sidecar', () => {
    expect(codeOf(() => parseCaption('txt', Uint8Array.of(0x61, 0xff, 0x62), 'a.txt'))).toBe('CAPTION_NOT_UTF8');
    expect(codeOf(() => parseCaption('json', bytes('{"caption": "cut'), 'a.json'))).toBe('CAPTION_BAD_JSON');
    expect(codeOf(() => parseCaption('json', bytes('["a caption"]'), 'a.json'))).toBe('CAPTION_BAD_JSON');
    expect(codeOf(() => parseCaption('json', bytes('{"caption": 42}'), 'a.json'))).toBe('CAPTION_BAD_JSON');
    expect(() => parseCaption('json', bytes('7'), 's3://b/x/0001.json')).toThrow(/s3:\/\/b\/x\/0001\.json/);
  });
});

describe('readCaption on local disk', () => {
  let dir: string;
  const deps = { storageFor: (uri: string) => storageFor(uri), fetchLimiter: new Semaphore(2) };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'captions-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the sidecar beside the image; a missing or oversized one is a permanent CaptionError', async () => {
    await writeFile(path.join(dir, 'a.txt'), 'the caption');
    await writeFile(path.join(dir, 'big.json'), `{"caption": "${'x'.repeat(MAX_SIDECAR_BYTES)}"}`);
    expect(await readCaption(path.join(dir, 'a.jpg'), 'txt', deps)).toBe('the caption');
    await expect(readCaption(path.join(dir, 'gone.png'), 'txt', deps)).rejects.toMatchObject({
      code: 'CAPTION_MISSING',
      retryable: false,
      sidecar: path.join(dir, 'gone.txt'),
    });
    await expect(readCaption(path.join(dir, 'big.webp'), 'json', deps)).rejects.toMatchObject({
      code: 'CAPTION_TOO_LARGE',
    });
  });
});
