import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parseHubRef } from '@metaclip-batch/metaclip/hub-ref';
import { ConfigError } from '@metaclip-batch/settings';

const WHAT_TO_GIVE =
  'give a model folder (a Hugging Face checkpoint or an ONNX export, with config.json) or a hub id such as ' +
  'facebook/metaclip-b16-fullcc2.5b[@revision]';

/**
 * Check what can be checked of a model reference before a run is enqueued, so that no run waits for a model no
 * worker can ever load: a local path (as `modelKey` normalised it: absolute) must be a folder holding `config.json`;
 * anything else must be a well-formed hub id. Whether a hub id exists is for the worker to find out (the producer
 * may have no network, and no token).
 *
 * @throws {@link ConfigError} saying what is wrong and what to give instead.
 */
export async function checkModelRef(model: string): Promise<void> {
  if (!path.isAbsolute(model)) {
    if (parseHubRef(model)) return;
    throw new ConfigError([`--model: "${model}" is neither a local folder nor a hub id; ${WHAT_TO_GIVE}`]);
  }
  const info = await stat(model).catch(() => null);
  if (!info) throw new ConfigError([`--model: ${model} does not exist; ${WHAT_TO_GIVE}`]);
  if (!info.isDirectory()) {
    throw new ConfigError([`--model: ${model} is a file; give the folder that holds config.json`]);
  }
  if (!(await stat(path.join(model, 'config.json')).catch(() => null))?.isFile()) {
    throw new ConfigError([
      `--model: ${model} is not a model folder (no config.json); ${WHAT_TO_GIVE}. ` +
        '`metaclip convert` writes one from a checkpoint',
    ]);
  }
}
