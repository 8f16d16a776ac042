/**
 * Named float32 tensors, wherever they are stored: one safetensors file, a PyTorch zip checkpoint, or a sharded
 * checkpoint whose `*.index.json` maps each tensor to its shard. The converter reads weights only through this.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ModelLoadError } from '../errors';

/** What the converter needs from a checkpoint. */
export interface TensorSource {
  /** Path or name for error messages. */
  readonly source: string;
  has(name: string): boolean;
  /** A tensor as float32, row-major, with its shape. */
  float32(name: string): { shape: number[]; data: Float32Array };
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
    const shard = this.weightMap[name];
    if (!shard)
      throw new ModelLoadError(`${this.source}: missing tensor "${name}"`, { path: `${this.source}#${name}` });
    if (this.current?.file !== shard) {
      this.current?.shard.close?.();
      this.current = undefined;
      this.current = { file: shard, shard: this.openShard(path.join(this.dir, shard)) };
    }
    return this.current.shard.float32(name);
  }

  close(): void {
    this.current?.shard.close?.();
    this.current = undefined;
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
