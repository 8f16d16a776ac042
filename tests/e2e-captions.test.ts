/**
 * Captions end to end on a local folder laid out as img2dataset writes it: `.txt` and `.json` sidecars beside the
 * images, listed and paired by `metaclip-producer enqueue`, read by a real `metaclip-worker`, and found in the
 * `caption` column of `metadata_*.parquet`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readParquet } from '@metaclip-batch/storage';
import { describe, expect, inject, it } from 'vitest';
import { readRunOutput, spawnWorker, writtenUris } from '../scripts/lib/local-run';
import { PRODUCER_BIN, runBin } from './helpers/cli-process';
import { useLocalRun } from './helpers/local-run-fixture';

const tinyModelDir = inject('sharedFixtures').tinyClip;

const id = `e2e-captions-${process.pid}-${Date.now()}`;

const sidecarOf = (image: string, ext: string) => image.replace(/\.[^./]+$/, `.${ext}`);

describe('captions from sidecars, local folder', () => {
  const run = useLocalRun(id, { limit: 9 });

  it('writes each image its .txt or .json caption, null where there is none, and never loses an image', async () => {
    const { tmp, corpus, source, workers } = run;
    const expected = new Map<string, string | null>();
    for (const [i, image] of corpus.valid.entries()) {
      if (i % 4 === 0) {
        // img2dataset writes both: the .txt wins, as in clip-retrieval.
        await writeFile(sidecarOf(image, 'txt'), `a caption from a text file, ${i}\n`);
        await writeFile(sidecarOf(image, 'json'), JSON.stringify({ caption: 'not this one', status: 'success' }));
        expected.set(image, `a caption from a text file, ${i}`);
      } else if (i % 4 === 1) {
        await writeFile(sidecarOf(image, 'json'), JSON.stringify({ key: String(i), caption: `json caption ${i}` }));
        expected.set(image, `json caption ${i}`);
      } else if (i % 4 === 2) {
        await writeFile(sidecarOf(image, 'json'), '{"caption": "cut off');
        expected.set(image, null);
      } else {
        expected.set(image, null);
      }
    }
    // A caption beside an image that does not decode, and one beside no image at all.
    await writeFile(sidecarOf(corpus.bad[0] as string, 'txt'), 'caption of a broken image');
    await writeFile(path.join(source, 'orphan.txt'), 'caption of nothing');

    const env = { METACLIP_CACHE: path.join(tmp, 'model-cache') };
    workers.push(spawnWorker(`${id}-w0`, ['--model', tinyModelDir, '--queue', id], env));
    await workers[0]?.ready;
    const output = path.join(tmp, 'out');
    const producer = await runBin(
      PRODUCER_BIN,
      [
        ...['enqueue', '--source', source, '--output', output, '--model', tinyModelDir, '--labels', 'a,b'],
        ...['--queue', id, '--run-id', id, '--shard-size', '4', '--wait'],
      ],
      env,
    );
    expect(producer.code, producer.stdout + producer.stderr).toBe(0);

    const out = await readRunOutput(output, id);
    // Sidecars are not images: the same rows as without them.
    expect(writtenUris(out)).toEqual({ images: corpus.valid, errors: corpus.bad });
    expect(new Map(out.rows.map((r) => [r.image_path, r.caption]))).toEqual(expected);
    // clip-retrieval's column order, in every shard's file that has rows.
    const metadataFiles = out.files.filter((f) => f.includes('/metadata/metadata_'));
    const firstRows = (
      await Promise.all(metadataFiles.map(async (f) => (await readParquet(await readFile(f)))[0]))
    ).filter((row) => row !== undefined);
    expect(firstRows.length).toBeGreaterThan(1);
    for (const row of firstRows) expect(Object.keys(row).slice(0, 2)).toEqual(['image_path', 'caption']);
    // The malformed sidecar is named in the worker's log, with why.
    const broken = sidecarOf(corpus.valid[2] as string, 'json');
    expect(workers[0]?.logs.some((l) => l.includes('caption sidecar unreadable') && l.includes(broken))).toBe(true);
  });
});
