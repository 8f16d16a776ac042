/**
 * The README's command, as a user types it, on local folders: two `metaclip-worker` processes, then
 * `metaclip-producer enqueue ... --wait`, which returns 0 once the workers have written the run.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { readRunOutput, repoRoot, spawnWorker, writtenUris } from '../scripts/lib/local-run';
import { useLocalRun } from './helpers/local-run-fixture';

const tinyModelDir = inject('sharedFixtures').tinyClip;

const id = `e2e-local-cli-${process.pid}-${Date.now()}`;
const PRODUCER_BIN = path.join(repoRoot, 'apps/producer/bin/metaclip-producer.js');

describe('README command on local folders', () => {
  const run = useLocalRun(id, { limit: 40 });

  it('metaclip-producer enqueue --wait completes with two metaclip-worker processes', async () => {
    const { tmp, corpus, source, workers } = run;
    const env = { METACLIP_CACHE: path.join(tmp, 'model-cache') };
    for (const n of [0, 1]) workers.push(spawnWorker(`${id}-w${n}`, ['--model', tinyModelDir, '--queue', id], env));
    await Promise.all(workers.map((w) => w.ready));

    const output = path.join(tmp, 'out');
    const producer = spawn(
      process.execPath,
      [
        PRODUCER_BIN,
        ...['enqueue', '--source', source, '--output', output, '--model', tinyModelDir, '--labels', 'a,b'],
        ...['--queue', id, '--run-id', id, '--shard-size', '8', '--wait'],
      ],
      { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let said = '';
    producer.stdout.on('data', (d: Buffer) => {
      said += d.toString();
    });
    producer.stderr.on('data', (d: Buffer) => {
      said += d.toString();
    });
    const [code] = await once(producer, 'exit');
    expect(code, said).toBe(0);

    const out = await readRunOutput(output, id);
    expect(writtenUris(out)).toEqual({ images: corpus.valid, errors: corpus.bad });
    // clip-retrieval's default, read back (as float32) by the same reader as float32 runs.
    expect([...out.embedDtypes]).toEqual(['float16']);
    expect(out.manifest).toMatchObject({
      embedDtype: 'float16',
      status: 'completed',
      labels: ['a', 'b'],
      counts: { imagesDone: corpus.valid.length, imagesFailed: corpus.bad.length, shardsFailed: 0 },
    });
  });
});
