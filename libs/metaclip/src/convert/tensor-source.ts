/**
 * Named float32 tensors, wherever they are stored: one safetensors file, a PyTorch zip checkpoint, or a sharded
 * checkpoint whose `*.index.json` maps each tensor to its shard. The converter reads weights only through this.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ModelLoadError } from '../errors.ts';

/**
 * A tensor's shape and its float32 values in row-major order, in consecutive chunks. A chunk is valid only until the
 * next one is asked for (readers reuse one buffer), so consume or copy each before moving on.
 */
export interface TensorChunks {
  shape: number[];
  chunks: Iterable<Float32Array>;
}

/** What the converter needs from a checkpoint. */
export interface TensorSource {
  /** Path or name for error messages. */
  readonly source: string;
  has(name: string): boolean;
  /** A tensor as float32, row-major, with its shape. */
  float32(name: string): { shape: number[]; data: Float32Array };
  /**
   * A tensor as float32 in chunks of about `chunkValues` values, for tensors too big to hold whole (MetaCLIP 2's
   * token embedding). The shape is known before any data is read.
   */
  float32Chunks(name: string, chunkValues: number): TensorChunks;
  /** Releases open files (a no-op for in-memory sources). */
  close?(): void;
}

const indexSchema = z.object({ weight_map: z.record(z.string(), z.string()) });

/**
 * A sharded checkpoint (`model.safetensors.index.json` or `pytorch_model.bin.index.json`): shards are opened when a
 * tensor in them is first asked for, and only the most recent one is kept, so memory holds one shard at a time
 * when tensors are read in shard order (as save_pretrained writes them), never the whole model.
 */
export class ShardedTensors implements TensorSource {
  private current: { file: string; shard: TensorSource } | undefined;

  private constructor(
    readonly source: string,
    private readonly dir: string,
    private readonly weightMap: Readonly<Record<string, string>>,
    private readonly openShard: (file: string) => TensorSource,
  ) {}

  /**
   * Read the index file; `openShard` opens one shard file.
   * @throws ModelLoadError for an unreadable index or one naming a shard outside its folder.
   */
  static fromIndex(indexFile: string, openShard: (file: string) => TensorSource): ShardedTensors {
    const map = readIndex(indexFile);
    return new ShardedTensors(indexFile, path.dirname(indexFile), map, openShard);
  }

  has(name: string): boolean {
    return name in this.weightMap;
  }

  float32(name: string): { shape: number[]; data: Float32Array } {
    return this.shardOf(name).float32(name);
  }

  float32Chunks(name: string, chunkValues: number): TensorChunks {
    return this.shardOf(name).float32Chunks(name, chunkValues);
  }

  close(): void {
    this.current?.shard.close?.();
    this.current = undefined;
  }

  /** The open shard holding `name`, switching shards when it lives in another one. */
  private shardOf(name: string): TensorSource {
    const shard = this.weightMap[name];
    if (!shard)
      throw new ModelLoadError(`${this.source}: missing tensor "${name}"`, { path: `${this.source}#${name}` });
    if (this.current?.file !== shard) {
      this.current?.shard.close?.();
      this.current = undefined;
      this.current = { file: shard, shard: this.openShard(path.join(this.dir, shard)) };
    }
    return this.current.shard;
  }
}

/**
 * The shard files an index names (relative to its folder), in first-use order.
 * @throws ModelLoadError when the index is unreadable, malformed, or names a file outside its folder.
 */
export function shardFiles(indexFile: string): string[] {
  return [...new Set(Object.values(readIndex(indexFile)))];
}

function readIndex(indexFile: string): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(indexFile, 'utf8'));
  } catch (err) {
    throw new ModelLoadError(`cannot read ${indexFile}: ${(err as Error).message}`, { path: indexFile, cause: err });
  }
  const parsed = indexSchema.safeParse(json);
  if (!parsed.success) {
    throw new ModelLoadError(`${indexFile} is not a checkpoint index: it needs {"weight_map": {tensor: file}}`, {
      path: indexFile,
    });
  }
  for (const file of Object.values(parsed.data.weight_map)) {
    if (file.includes('/') || file.includes('\\') || file === '..' || file === '.') {
      throw new ModelLoadError(`${indexFile} names the shard ${JSON.stringify(file)}, which is not beside it`, {
        path: indexFile,
      });
    }
  }
  return parsed.data.weight_map;
}
