import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { redactSecrets } from './redact.ts';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
  };
}

describe('createLogger', () => {
  it('writes structured lines with the component name and level', () => {
    const out = capture();
    const log = createLogger({ name: 'producer', level: 'debug', destination: out.stream });
    log.debug({ shards: 3 }, 'planned');
    expect(out.lines()[0]).toMatchObject({ name: 'producer', level: 20, shards: 3, msg: 'planned' });
  });

  it('never writes credentials: secret fields, URL passwords, signed query parameters', () => {
    const out = capture();
    const log = createLogger({ name: 't', destination: out.stream });
    log.info(
      {
        redisUrl: 'redis://default:hunter2@redis:6379',
        s3: { secretAccessKey: 'AKIASECRET', endpoint: 'http://minio:9000' },
        password: 'pw',
        link: 'https://b.s3.amazonaws.com/k.jpg?X-Amz-Signature=deadbeef&x=1',
      },
      'connecting to redis://u:topsecret@host:6379',
    );
    log.error({ err: new Error('cannot reach redis://u:errsecret@h:1') }, 'failed');
    const text = out
      .lines()
      .map((l) => JSON.stringify(l))
      .join('\n');
    for (const secret of ['hunter2', 'AKIASECRET', '"pw"', 'deadbeef', 'topsecret', 'errsecret']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('redis://default:[redacted]@redis:6379');
    expect(text).toContain('http://minio:9000');
  });
});

describe('redactSecrets', () => {
  it('keeps URLs without credentials intact', () => {
    expect(redactSecrets('redis://127.0.0.1:6379 and s3://bucket/key.jpg')).toBe(
      'redis://127.0.0.1:6379 and s3://bucket/key.jpg',
    );
    expect(redactSecrets('rediss://:pw@h')).toBe('rediss://:[redacted]@h');
  });
});
