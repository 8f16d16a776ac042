import { lstat, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ModelLoadError } from '@metaclip-batch/metaclip';
import { resolveModelDir } from '@metaclip-batch/metaclip/resolve';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type FakeHub, filesFrom, sha256, startFakeHub } from './helpers/hub-server';

const tiny = inject('sharedFixtures').tinyClip;
const MODEL_FILES = [
  'config.json',
  'model.safetensors',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
];
const COMMIT = 'a'.repeat(40);
const OLD_COMMIT = 'b'.repeat(40);
const TOKEN = 'hf_secret_token_never_printed';

// Compared by sha256: vitest's deep equality walks a Buffer byte by byte (minutes for megabytes).
const files: Record<string, Buffer> = {
  ...filesFrom(tiny, MODEL_FILES),
  // Files a model does not need: must never be fetched.
  'README.md': Buffer.from('# tiny\n'),
  'pytorch_model.bin': Buffer.alloc(1024, 7),
};
const safetensorsSha = sha256(files['model.safetensors'] as Buffer);

let hub: FakeHub;
let cache: string;
/** HF_HOME of each test: empty, so that no token file of the machine's own user is ever read. */
let home: string;
let logs: string[];
const logger = () =>
  pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  );
const env = () => ({ HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cache, HF_HOME: home });

beforeAll(async () => {
  hub = await startFakeHub({
    'org/tiny-clip': { refs: { main: COMMIT, v1: OLD_COMMIT }, files, lfs: ['model.safetensors', 'tokenizer.json'] },
    'org/private-clip': { refs: { main: COMMIT }, files, lfs: ['model.safetensors'], token: TOKEN },
  });
});
afterAll(() => hub.close());
beforeEach(async () => {
  cache = await mkdtemp(path.join(tmpdir(), 'metaclip-hf-cache-'));
  home = await mkdtemp(path.join(tmpdir(), 'metaclip-hf-home-'));
  hub.requests.length = 0;
  logs = [];
});
afterEach(async () => {
  await rm(cache, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

describe('resolveModelDir with a hub id', () => {
  it('fetches only the model files into the Hugging Face cache layout and records the ref', async () => {
    const dir = await resolveModelDir('org/tiny-clip', { env: env(), logger: logger() });
    const repoDir = path.join(cache, 'models--org--tiny-clip');
    expect(dir).toBe(path.join(repoDir, 'snapshots', COMMIT));
    for (const name of MODEL_FILES) {
      expect(sha256(await readFile(path.join(dir, name)))).toBe(sha256(files[name] as Buffer));
      expect((await lstat(path.join(dir, name))).isSymbolicLink()).toBe(true);
    }
    expect(await readlink(path.join(dir, 'model.safetensors'))).toBe(`../../blobs/${safetensorsSha}`);
    expect(await readFile(path.join(repoDir, 'refs/main'), 'utf8')).toBe(COMMIT);
    const fetched = hub.requests.filter((r) => r.server === 'hub' && r.method === 'HEAD').map((r) => r.url);
    expect(fetched.map((u) => u.split('/').pop()).sort()).toEqual([...MODEL_FILES].sort());
    expect(hub.requests.some((r) => /README|pytorch_model/.test(r.url))).toBe(false);
  });

  it('resolves a second time from the cache with the network off, without a single request', async () => {
    const first = await resolveModelDir('org/tiny-clip', { env: env() });
    hub.requests.length = 0;
    const second = await resolveModelDir('org/tiny-clip', { env: { ...env(), HF_HUB_OFFLINE: '1' } });
    expect(second).toBe(first);
    expect(hub.requests).toEqual([]);
  });

  it('falls back to a complete cached snapshot when the hub cannot be reached', async () => {
    const first = await resolveModelDir('org/tiny-clip', { env: env() });
    const dead = { ...env(), HF_ENDPOINT: 'http://127.0.0.1:9' }; // discard port: connection refused
    expect(await resolveModelDir('org/tiny-clip', { env: dead })).toBe(first);
  });

  it('offline with an empty cache throws a ModelLoadError naming the cache path and how to fill it', async () => {
    const err = await resolveModelDir('org/tiny-clip', { env: { ...env(), HF_HUB_OFFLINE: '1' } }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect(err.message).toContain(path.join(cache, 'models--org--tiny-clip'));
    expect(err.message).toMatch(/HF_HUB_OFFLINE/);
    expect(err.message).toMatch(/hf download org\/tiny-clip/);
    expect(hub.requests).toEqual([]);
  });

  it('pins revisions: a tag and a commit hash resolve to their own snapshots', async () => {
    const tagged = await resolveModelDir('org/tiny-clip@v1', { env: env() });
    expect(tagged).toBe(path.join(cache, 'models--org--tiny-clip/snapshots', OLD_COMMIT));
    expect(await readFile(path.join(cache, 'models--org--tiny-clip/refs/v1'), 'utf8')).toBe(OLD_COMMIT);
    hub.requests.length = 0;
    // A complete snapshot of a commit hash can never be stale: no request at all.
    expect(await resolveModelDir('org/tiny-clip', { env: env(), revision: OLD_COMMIT })).toBe(tagged);
    expect(hub.requests).toEqual([]);
  });

  it('sends HF_TOKEN as a Bearer header to the hub, never to the CDN, and never prints it', async () => {
    const dir = await resolveModelDir('org/private-clip', { env: { ...env(), HF_TOKEN: TOKEN }, logger: logger() });
    expect(sha256(await readFile(path.join(dir, 'config.json')))).toBe(sha256(files['config.json'] as Buffer));
    const hubAuth = new Set(hub.requests.filter((r) => r.server === 'hub').map((r) => r.authorization));
    expect([...hubAuth]).toEqual([`Bearer ${TOKEN}`]);
    const cdn = hub.requests.filter((r) => r.server === 'cdn');
    expect(cdn.length).toBeGreaterThan(0);
    expect(cdn.every((r) => r.authorization === undefined)).toBe(true);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('')).not.toContain(TOKEN);
    expect(logs.join('')).not.toContain('X-Amz-Signature');
  });

  it('without a token, a gated repo is a ModelLoadError that says to set HF_TOKEN', async () => {
    const err = await resolveModelDir('org/private-clip', { env: env() }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect(err.message).toMatch(/401.*set HF_TOKEN/);
  });

  it('resumes an interrupted download with a Range request and never exposes the partial file', async () => {
    hub.cutNextDownload(safetensorsSha, 100_000);
    const err = await resolveModelDir('org/tiny-clip', { env: env() }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    const snapshot = path.join(cache, 'models--org--tiny-clip/snapshots', COMMIT);
    await expect(lstat(path.join(snapshot, 'model.safetensors'))).rejects.toThrow(/ENOENT/);
    const partial = await lstat(path.join(cache, 'models--org--tiny-clip/blobs', `${safetensorsSha}.incomplete`));
    expect(partial.size).toBe(100_000);

    const dir = await resolveModelDir('org/tiny-clip', { env: env() });
    expect(sha256(await readFile(path.join(dir, 'model.safetensors')))).toBe(safetensorsSha);
    const ranges = hub.requests.filter((r) => r.server === 'cdn' && r.range).map((r) => r.range);
    expect(ranges).toEqual(['bytes=100000-']);
  });

  it('reports a missing repository as a ModelLoadError', async () => {
    const err = await resolveModelDir('org/missing', { env: env() }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect(err.message).toMatch(/404.*RepoNotFound/);
  });
});

describe('the token, as huggingface_hub finds it', () => {
  const hubAuth = () => [...new Set(hub.requests.filter((r) => r.server === 'hub').map((r) => r.authorization))];

  it('sends the token `hf auth login` saved in $HF_HOME/token when HF_TOKEN is unset', async () => {
    await writeFile(path.join(home, 'token'), `${TOKEN}\n`); // as `hf auth login` writes it, newline included
    const dir = await resolveModelDir('org/private-clip', { env: env(), logger: logger() });
    expect(sha256(await readFile(path.join(dir, 'config.json')))).toBe(sha256(files['config.json'] as Buffer));
    expect(hubAuth()).toEqual([`Bearer ${TOKEN}`]);
    expect(logs.join('')).not.toContain(TOKEN);
  });

  it('takes HF_TOKEN_PATH over $HF_HOME/token, and HF_TOKEN over both', async () => {
    const tokenPath = path.join(home, 'elsewhere-token');
    await writeFile(tokenPath, TOKEN);
    await writeFile(path.join(home, 'token'), 'hf_stale_home_token');
    await resolveModelDir('org/private-clip', { env: { ...env(), HF_TOKEN_PATH: tokenPath } });
    expect(hubAuth()).toEqual([`Bearer ${TOKEN}`]);

    hub.requests.length = 0;
    await rm(cache, { recursive: true, force: true });
    const err = await resolveModelDir('org/private-clip', {
      env: { ...env(), HF_TOKEN_PATH: tokenPath, HF_TOKEN: 'hf_env_token' },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect(err.message).toMatch(/401/);
    expect(hubAuth()).toEqual(['Bearer hf_env_token']);
  });
});

describe("huggingface_hub's timeouts", () => {
  it('a hub that never answers fails after HF_HUB_ETAG_TIMEOUT, with a message that says how to raise it', async () => {
    hub.stallHub(true);
    try {
      const err = await resolveModelDir('org/tiny-clip', { env: { ...env(), HF_HUB_ETAG_TIMEOUT: '0.5' } }).catch(
        (e) => e,
      );
      expect(err).toBeInstanceOf(ModelLoadError);
      expect(err.message).toMatch(/no answer in 0\.5 s \(HF_HUB_ETAG_TIMEOUT=0\.5; .*e\.g\. HF_HUB_ETAG_TIMEOUT=60\)/);
    } finally {
      hub.stallHub(false);
    }
  });

  it('a download that stops sending fails after HF_HUB_DOWNLOAD_TIMEOUT, naming it', async () => {
    const resume = hub.pauseDownloads();
    try {
      const err = await resolveModelDir('org/tiny-clip', { env: { ...env(), HF_HUB_DOWNLOAD_TIMEOUT: '0.5' } }).catch(
        (e) => e,
      );
      expect(err).toBeInstanceOf(ModelLoadError);
      expect(err.message).toMatch(/no data in 0\.5 s \(HF_HUB_DOWNLOAD_TIMEOUT=0\.5; .*HF_HUB_DOWNLOAD_TIMEOUT=60\)/);
    } finally {
      resume();
    }
  });

  it('a slow download that keeps moving is not cut, however long it takes in all', async () => {
    hub.throttle(512 * 1024, 100); // ~2 s for the 6.7 MB weights: four times the timeout below
    try {
      const dir = await resolveModelDir('org/tiny-clip', { env: { ...env(), HF_HUB_DOWNLOAD_TIMEOUT: '0.5' } });
      expect(sha256(await readFile(path.join(dir, 'model.safetensors')))).toBe(safetensorsSha);
    } finally {
      hub.throttle(0, 0);
    }
  });
});

describe('resolveModelDir with a folder', () => {
  it('returns an existing folder as is, without touching the hub', async () => {
    expect(await resolveModelDir(tiny, { env: env() })).toBe(tiny);
    expect(hub.requests).toEqual([]);
  });

  it('rejects a path that does not exist instead of asking the hub', async () => {
    const err = await resolveModelDir('./no/such/model', { env: env() }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect(err.message).toMatch(/does not exist/);
    expect(hub.requests).toEqual([]);
  });
});
