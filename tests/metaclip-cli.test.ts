/**
 * The `metaclip` command end to end: every command form spawned as a real process (`node apps/cli/bin/metaclip.cjs`)
 * on the tiny fixture model, stdout parsed as JSON lines, exit statuses checked.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FakeHub, filesFrom, startFakeHub } from './helpers/hub-server';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'apps/cli/bin/metaclip.cjs');
const { fixtures, tinyClip: tiny, images, golden: goldenDir } = inject('sharedFixtures');
const image = (name: string) => path.join(images, name);
type Scored = { label: string; score: number }[];
const golden = JSON.parse(readFileSync(path.join(goldenDir, 'tiny_clip.json'), 'utf8')) as {
  labels: string[];
  pipeline: Record<string, Scored>;
  images: Record<string, { image_embeds: number[] }>;
  text: Record<string, { text_embeds: number[] }>;
};
const goldenIds = JSON.parse(readFileSync(path.join(goldenDir, 'tokenizer.json'), 'utf8')) as {
  ids: Record<string, number[]>;
};

interface Run {
  code: number;
  lines: Record<string, unknown>[];
  stdout: string;
  stderr: string;
}

let work: string;
let onnxModel: string;

/** Runs the CLI; resolves with its exit status, output, and stdout parsed line by line (a non-JSON line fails). */
function metaclip(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        cwd: root,
        timeout: 120_000,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, METACLIP_CACHE: path.join(work, 'cache'), HF_HUB_OFFLINE: '1', ...env },
      },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? -1) : 0;
        resolve({
          code,
          stdout,
          stderr,
          // Parsed on use, in the test, so that a non-JSON line fails the test instead of throwing in this callback.
          get lines() {
            return stdout
              .split('\n')
              .filter((l) => l.length > 0)
              .map((l) => JSON.parse(l) as Record<string, unknown>);
          },
        });
      },
    );
  });
}

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] as number), 0) / (norm(a) * norm(b));

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'metaclip-cli-'));
  // Every model-running test below uses this ONNX folder, so no spawn pays for a conversion.
  const converted = await metaclip(['convert', '--model', tiny, '--out', path.join(work, 'tiny-onnx')]);
  expect(converted.code, converted.stderr).toBe(0);
  expect(converted.lines).toEqual([{ out: path.join(work, 'tiny-onnx'), source: tiny, format: 'onnx', dtype: 'fp32' }]);
  onnxModel = path.join(work, 'tiny-onnx');
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('metaclip --help', () => {
  it('documents every command with examples and the exit statuses', async () => {
    const commands = ['classify', 'embed', 'similarity', 'tokenize', 'convert'];
    const [top, ...each] = await Promise.all([metaclip(['--help']), ...commands.map((c) => metaclip([c, '--help']))]);
    expect(top?.code).toBe(0);
    for (const c of commands) expect(top?.stdout).toContain(c);
    each.forEach((run, i) => {
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: metaclip ${commands[i]}`);
      expect(run.stdout).toContain('Examples:');
      expect(run.stdout).toMatch(/Exit status:[\s\S]*2 {2}bad flags/);
    });
  });
});

describe('metaclip classify', () => {
  it('prints best-first scores per image in order, an error line for an unreadable image, and exits 1', async () => {
    const broken = path.join(work, 'broken.jpg');
    await writeFile(broken, 'not an image');
    const files = [image('astronaut.jpg'), broken, image('brick.png')];
    const labels = golden.labels.join(',');
    const run = await metaclip(['classify', '--model', onnxModel, '--labels', labels, '--batch-size', '2', ...files]);
    expect(run.code).toBe(1);
    expect(run.lines.map((l) => l.image)).toEqual(files);
    expect(run.lines[1]).toEqual({ image: broken, error: expect.any(String) });
    for (const [i, name] of [
      [0, 'astronaut.jpg'],
      [2, 'brick.png'],
    ] as const) {
      const scores = run.lines[i]?.labels as Scored;
      const expected = golden.pipeline[name] as Scored;
      expect(scores.map((s) => s.label)).toEqual(expected.map((s) => s.label));
      for (const [k, s] of scores.entries()) expect(Math.abs(s.score - (expected[k]?.score ?? 0))).toBeLessThan(0.01);
    }
  });

  it('classifies with MetaCLIP 2 and Chinese labels and template as the pipeline does', async () => {
    const zh = JSON.parse(await readFile(path.join(goldenDir, 'tiny_metaclip2.json'), 'utf8')) as {
      pipeline: { zh_template: Record<string, Scored> };
    };
    const model = path.join(fixtures, 'tiny-metaclip2');
    const args = ['--labels', '猫,狗,汽车,宇航员,硬币', '--template', '这是一张{}的照片。'];
    const run = await metaclip(['classify', '--model', model, ...args, image('astronaut.jpg')]);
    expect(run.code, run.stderr).toBe(0);
    const scores = run.lines[0]?.labels as Scored;
    const expected = zh.pipeline.zh_template['astronaut.jpg'] as Scored;
    expect(scores[0]?.label).toBe(expected[0]?.label);
    for (const e of expected) {
      expect(Math.abs((scores.find((s) => s.label === e.label)?.score ?? 9) - e.score)).toBeLessThan(0.01);
    }
  });

  it('reads labels from a file, ensembles repeated templates, keeps the top K, and exits 0', async () => {
    const labelsFile = path.join(work, 'labels.txt');
    await writeFile(labelsFile, 'cat\n\ndog\ncar\n');
    const run = await metaclip([
      'classify',
      '--model',
      onnxModel,
      '--labels-file',
      labelsFile,
      '--template',
      'a photo of a {}.',
      '--template',
      'a drawing of a {}.',
      '--top-k',
      '2',
      image('camera.webp'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const scores = run.lines[0]?.labels as Scored;
    expect(scores).toHaveLength(2);
    expect(['cat', 'dog', 'car']).toEqual(expect.arrayContaining(scores.map((s) => s.label)));
    expect(scores[0]?.score).toBeGreaterThanOrEqual(scores[1]?.score ?? 1);
  });

  it('refuses a call without labels with exit status 2 and a message that says what to give', async () => {
    const run = await metaclip(['classify', '--model', onnxModel, image('astronaut.jpg')]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/--labels, --labels-file or --imagenet/);
  });

  it('exits 3 with the cache path when a hub model is not cached and the hub is off', async () => {
    const cache = path.join(work, 'empty-hf-cache');
    const run = await metaclip(['classify', '--model', 'org/absent', '--labels', 'a', image('astronaut.jpg')], {
      HF_HUB_CACHE: cache,
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(path.join(cache, 'models--org--absent'));
  });
});

describe('metaclip embed', () => {
  it('prints raw image embeddings like get_image_features, and unit vectors with --normalize', async () => {
    const [raw, unit] = await Promise.all([
      metaclip(['embed', '--model', onnxModel, '--threads', '1', image('astronaut.jpg')]),
      metaclip(['embed', '--model', onnxModel, '--threads', '1', '--normalize', image('astronaut.jpg')]),
    ]);
    expect(raw.code, raw.stderr).toBe(0);
    const expected = golden.images['astronaut.jpg']?.image_embeds as number[];
    const embedding = raw.lines[0]?.embedding as number[];
    expect(raw.lines[0]?.image).toBe(image('astronaut.jpg'));
    expect(embedding).toHaveLength(expected.length);
    expect(cos(embedding, expected)).toBeGreaterThan(0.999);
    expect(norm(embedding)).toBeCloseTo(norm(expected), 1);
    expect(norm(unit.lines[0]?.embedding as number[])).toBeCloseTo(1, 5);
  });

  it('prints text embeddings with --text', async () => {
    const run = await metaclip(['embed', '--model', onnxModel, '--text', 'doctor', 'a photo of a cat.']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines.map((l) => l.text)).toEqual(['doctor', 'a photo of a cat.']);
    run.lines.forEach((line) => {
      const expected = golden.text[line.text as string]?.text_embeds as number[];
      expect(cos(line.embedding as number[], expected)).toBeGreaterThan(0.9999);
    });
  });
});

describe('metaclip similarity', () => {
  it('prints the cosine of image-text and text-text pairs', async () => {
    const [imageText, textText] = await Promise.all([
      metaclip(['similarity', '--model', onnxModel, image('astronaut.jpg'), 'text:doctor']),
      metaclip(['similarity', '--model', onnxModel, 'text:doctor', 'text:artist']),
    ]);
    expect(imageText.code, imageText.stderr).toBe(0);
    const imageEmbeds = golden.images['astronaut.jpg']?.image_embeds as number[];
    const doctor = golden.text.doctor?.text_embeds as number[];
    const artist = golden.text.artist?.text_embeds as number[];
    expect(imageText.lines).toEqual([{ a: image('astronaut.jpg'), b: 'text:doctor', cosine: expect.any(Number) }]);
    expect(imageText.lines[0]?.cosine).toBeCloseTo(cos(imageEmbeds, doctor), 2);
    expect(textText.lines[0]?.cosine).toBeCloseTo(cos(doctor, artist), 4);
  });
});

describe('metaclip tokenize', () => {
  let hub: FakeHub;
  beforeAll(async () => {
    const files = filesFrom(tiny, ['config.json', 'model.safetensors', 'preprocessor_config.json', 'tokenizer.json']);
    hub = await startFakeHub({
      'org/tiny-clip': { refs: { main: 'c'.repeat(40) }, files, lfs: ['model.safetensors'] },
    });
  });
  afterAll(() => hub.close());

  it('never prints the credentials of HF_ENDPOINT, in its warnings or its error line', async () => {
    const [user, password] = ['mirror-user', 'pw-0f6c1d2e'];
    const endpoint = new URL(hub.endpoint);
    const run = await metaclip(['tokenize', '--model', 'org/not-there', 'a cat'], {
      HF_HUB_OFFLINE: '0',
      HF_ENDPOINT: `${endpoint.protocol}//${user}:${password}@${endpoint.host}/`,
      HF_HUB_CACHE: path.join(work, 'hf-cache-secret'),
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`${user}:[redacted]@`);
    expect(run.stderr).not.toContain(password);
  });

  it('prints unpadded ids for a hub id, truncated to the context length', async () => {
    const texts = ['a photo of a cat.', 'Hello, World!', 'word '.repeat(100)];
    const run = await metaclip(['tokenize', '--model', 'org/tiny-clip', ...texts], {
      HF_HUB_OFFLINE: '0',
      HF_ENDPOINT: hub.endpoint,
      HF_HUB_CACHE: path.join(work, 'hf-cache'),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines.slice(0, 2)).toEqual(texts.slice(0, 2).map((text) => ({ text, input_ids: goldenIds.ids[text] })));
    const long = run.lines[2]?.input_ids as number[];
    expect(long).toHaveLength(77);
    expect(long.at(-1)).toBe(49407);
  });
});

describe('metaclip convert', () => {
  it('writes a seeded random checkpoint, then converts it for transformers.js in fp16', async () => {
    const randomDir = path.join(work, 'random-tiny');
    const webDir = path.join(work, 'random-tiny-web');
    const random = await metaclip(['convert', '--random', '--config', 'tiny', '--seed', '3', '--out', randomDir]);
    expect(random.code, random.stderr).toBe(0);
    expect(random.lines).toEqual([{ out: randomDir, source: 'random:tiny', seed: 3 }]);
    expect((await stat(path.join(randomDir, 'model.safetensors'))).size).toBeGreaterThan(0);

    const args = ['convert', '--model', randomDir, '--out', webDir, '--dtype', 'fp16', '--format', 'transformersjs'];
    const web = await metaclip(args);
    expect(web.code, web.stderr).toBe(0);
    expect(web.lines).toEqual([{ out: webDir, source: randomDir, format: 'transformersjs', dtype: 'fp16' }]);
    const manifest = JSON.parse(await readFile(path.join(webDir, 'metaclip.json'), 'utf8'));
    expect(manifest).toMatchObject({ dtype: 'fp16', fused: false });
    for (const f of ['onnx/model.onnx', 'onnx/vision_model.onnx', 'onnx/text_model.onnx', 'tokenizer.json']) {
      expect((await stat(path.join(webDir, f))).isFile(), f).toBe(true);
    }
  });
});
