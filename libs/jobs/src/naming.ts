import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { InvalidRunIdError } from './errors.ts';
import { RUN_ID_PATTERN } from './schemas.ts';

/**
 * Normalise a model reference so that every process agrees on it: a local folder becomes an absolute path (the worker
 * may start in another directory), a hub id (`facebook/metaclip-b16-fullcc2.5b`) stays as it is. A reference is local
 * when it is written as a path (`/`, `./`, `../`, `~/`, `file://`) or names an existing file or folder.
 */
export function modelKey(ref: string): string {
  if (ref.startsWith('file://')) return path.resolve(new URL(ref).pathname);
  if (ref === '~' || ref.startsWith('~/')) return path.join(homedir(), ref.slice(1));
  if (path.isAbsolute(ref) || ref.startsWith('./') || ref.startsWith('../') || ref === '.' || ref === '..') {
    return path.resolve(ref);
  }
  return existsSync(ref) ? path.resolve(ref) : ref;
}

/** First 8 hex digits of the SHA-1 of a string: short, stable, collision-safe enough for names. */
export function shortHash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 8);
}

/**
 * Digest of a shard's URI list (SHA-256, 128 bits, of the URIs in order): what the run store keeps of the plan, so a
 * worker can tell a planned shard from one that was never enqueued, at 16 bytes per shard.
 */
export function shardDigest(uris: readonly string[]): string {
  const hash = createHash('sha256');
  for (const uri of uris) hash.update(uri).update('\n');
  return hash.digest('hex').slice(0, 32);
}

/** Lower-case `[a-z0-9._-]` slug, at most `max` characters (the tail is kept: it is the most specific part). */
function slug(text: string, max: number): string {
  const s = text
    .toLowerCase()
    .replace(/^[a-z0-9]+:\/\//, '')
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '');
  const tail = s.length > max ? s.slice(s.length - max).replace(/^[-._]+/, '') : s;
  return tail || 'x';
}

/**
 * The queue a model's shards go to when none is named: one queue per model, so a worker that loaded model A never
 * pulls shards meant for model B. BullMQ-safe (no `:`): `metaclip-<model slug>-<hash of the model key>`; the hash
 * keeps two local folders with the same base name apart.
 */
export function defaultQueueName(modelRef: string): string {
  const key = modelKey(modelRef);
  const base = key.split(/[\\/]/).filter(Boolean).slice(-2).join('-');
  return `metaclip-${slug(base, 48)}-${shortHash(key)}`;
}

/** Zero-padded shard number used in job ids and output file names: `42` -> `000042`. */
export function shardName(shard: number): string {
  if (!Number.isSafeInteger(shard) || shard < 0) throw new RangeError(`shard must be a non-negative integer: ${shard}`);
  return String(shard).padStart(6, '0');
}

/**
 * Deterministic BullMQ job id of a shard, `<runId>.<shardName>`: enqueuing the same shard twice is a no-op because
 * BullMQ ignores an add whose custom id already exists. Run ids cannot contain `:` (BullMQ forbids it in custom ids)
 * and the suffix keeps the id from ever being an integer (also forbidden).
 */
export function shardJobId(runId: string, shard: number): string {
  return `${validateRunId(runId)}.${shardName(shard)}`;
}

/** Inverse of {@link shardJobId}: the run and shard of a job id, or null when the id is not a shard job id. */
export function parseShardJobId(jobId: string): { runId: string; shard: number } | null {
  const m = /^(.+)\.(\d{6,})$/.exec(jobId);
  if (!m?.[1] || !m[2] || !RUN_ID_PATTERN.test(m[1])) return null;
  return { runId: m[1], shard: Number(m[2]) };
}

/**
 * Check a run id against {@link RUN_ID_PATTERN}.
 *
 * @returns the id unchanged.
 * @throws {@link InvalidRunIdError} with the reason.
 */
export function validateRunId(runId: string): string {
  if (!RUN_ID_PATTERN.test(runId)) {
    throw new InvalidRunIdError(
      runId,
      'use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit (no ":" or "/")',
    );
  }
  return runId;
}

/** JSON with object keys sorted, so equal values always serialise (and hash) the same. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/**
 * The run id used when none is given: `<source slug>-<UTC date YYYYMMDD>-<hash of the parameters>`. Deterministic, so
 * the same command run twice on the same day names the same run and enqueues nothing new; a different model, label
 * set or output (different `params`) or another day names a new run.
 */
export function defaultRunId(source: string, date: Date, params: unknown): string {
  const day = date.toISOString().slice(0, 10).replaceAll('-', '');
  return validateRunId(`${slug(source, 64)}-${day}-${shortHash(`${source}\n${stableStringify(params)}`)}`);
}
