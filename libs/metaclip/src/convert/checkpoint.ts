/**
 * Which weights a Hugging Face folder holds and how to read them. Safetensors win over PyTorch files (they need no
 * unpickling); a single file over a sharded index. The order is the one transformers' `from_pretrained` uses.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ModelLoadError } from '../errors.ts';
import { PyTorchFile } from './pytorch/pytorch-file.ts';
import { SafetensorsReader } from './safetensors-reader.ts';
import { ShardedTensors, shardFiles, type TensorSource } from './tensor-source.ts';

/** The weight layouts we read. */
export type CheckpointFormat = 'safetensors' | 'safetensors-sharded' | 'pytorch' | 'pytorch-sharded';

/** The weight file names of each format, most preferred first (the hub planner uses the same names). */
export const WEIGHT_FILES: readonly { format: CheckpointFormat; file: string }[] = [
  { format: 'safetensors', file: 'model.safetensors' },
  { format: 'safetensors-sharded', file: 'model.safetensors.index.json' },
  { format: 'pytorch', file: 'pytorch_model.bin' },
  { format: 'pytorch-sharded', file: 'pytorch_model.bin.index.json' },
];

/** A folder's weights: every file that holds them (for hashing) and a way to read the tensors. */
export interface Checkpoint {
  format: CheckpointFormat;
  /** Absolute paths: the weight file, or the index followed by its shards. */
  files: string[];
  /** Open the tensors (reads headers only; tensor data is read as asked for). */
  open(): Promise<TensorSource>;
}

/**
 * The checkpoint of `dir`, or undefined when it has no Hugging Face weights (an ONNX folder, say).
 * @throws ModelLoadError for an index that is malformed or names missing shards.
 */
export async function findCheckpoint(dir: string): Promise<Checkpoint | undefined> {
  for (const { format, file } of WEIGHT_FILES) {
    const main = path.join(dir, file);
    if (!(await isFile(main))) continue;
    if (format === 'safetensors') return { format, files: [main], open: async () => SafetensorsReader.open(main) };
    if (format === 'pytorch') return { format, files: [main], open: async () => PyTorchFile.open(main) };
    const shards = shardFiles(main).map((f) => path.join(dir, f));
    for (const shard of shards) {
      if (!(await isFile(shard))) {
        throw new ModelLoadError(`${main} names the shard ${path.basename(shard)}, which is missing from ${dir}`, {
          path: shard,
        });
      }
    }
    const openShard =
      format === 'safetensors-sharded' ? (f: string) => SafetensorsReader.open(f) : (f: string) => PyTorchFile.open(f);
    return { format, files: [main, ...shards], open: async () => ShardedTensors.fromIndex(main, openShard) };
  }
  return undefined;
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}
