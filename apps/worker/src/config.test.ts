import path from 'node:path';
import { defaultQueueName } from '@metaclip-batch/jobs';
import { ConfigError, flagName } from '@metaclip-batch/settings';
import { describe, expect, it } from 'vitest';
import { buildCli } from './cli.ts';
import { planRuntime, resolveConfig, WORKER_SETTINGS } from './config.ts';

describe('resolveConfig', () => {
  it('applies defaults, the model default queue, and twice the batch as queue limit', () => {
    const config = resolveConfig({ model: './models/tiny' }, {});
    expect(config).toMatchObject({
      device: 'cpu',
      maxBatch: WORKER_SETTINGS.maxBatch.default,
      maxQueue: 2 * WORKER_SETTINGS.maxBatch.default,
      concurrency: WORKER_SETTINGS.concurrency.default,
      metricsPort: WORKER_SETTINGS.metricsPort.default,
      modelKey: path.resolve('models/tiny'),
      queue: defaultQueueName('./models/tiny'),
    });
    expect(config.threads).toBeUndefined();
  });

  it('follows the model with --max-delay-ms auto (the default) or takes a fixed number', () => {
    expect(resolveConfig({ model: 'm' }, {}).maxDelayMs).toBe('auto');
    expect(resolveConfig({ model: 'm', maxDelayMs: '250' }, {}).maxDelayMs).toBe(250);
    expect(() => resolveConfig({ model: 'm', maxDelayMs: 'soon' }, {})).toThrow(ConfigError);
  });

  it('takes the environment when no flag is given, and a flag over the environment', () => {
    const env = { METACLIP_MODEL: 'facebook/metaclip-b16', METACLIP_MAX_BATCH: '64', REDIS_URL: 'redis://r:6380' };
    expect(resolveConfig({}, env)).toMatchObject({
      model: 'facebook/metaclip-b16',
      maxBatch: 64,
      redisUrl: 'redis://r:6380',
    });
    expect(resolveConfig({ maxBatch: '8', queue: 'q1' }, env)).toMatchObject({
      maxBatch: 8,
      maxQueue: 16,
      queue: 'q1',
    });
  });

  it('names every bad setting by flag and variable', () => {
    const bad = () =>
      resolveConfig({ maxBatch: '0', device: 'tpu', queue: 'a:b', metricsPort: '70000' }, { METACLIP_MODEL: '' });
    expect(bad).toThrow(ConfigError);
    const message = (() => {
      try {
        bad();
      } catch (err) {
        return (err as Error).message;
      }
    })();
    for (const flag of ['--model (METACLIP_MODEL)', '--max-batch', '--device', '--queue', '--metrics-port']) {
      expect(message).toContain(flag);
    }
  });

  it('decodes exactly by default; fast only when asked', () => {
    expect(resolveConfig({ model: 'm' }, {}).decode).toBe('exact');
    expect(resolveConfig({ model: 'm' }, { METACLIP_DECODE: 'fast' }).decode).toBe('fast');
    expect(() => resolveConfig({ model: 'm', decode: 'quick' }, {})).toThrow(
      /--decode \(METACLIP_DECODE\): use exact or fast/,
    );
  });

  it('takes int8 for a CPU worker only', () => {
    expect(resolveConfig({ model: 'm', dtype: 'int8' }, {}).dtype).toBe('int8');
    expect(() => resolveConfig({ model: 'm', dtype: 'int8', device: 'cuda' }, {})).toThrow(
      /--dtype \(METACLIP_DTYPE\): int8 runs on the CPU only/,
    );
  });

  it('refuses a queue limit smaller than a batch', () => {
    expect(() => resolveConfig({ model: 'm', maxBatch: '8', maxQueue: '4' }, {})).toThrow(/--max-queue/);
  });

  it('keeps everything on the main thread on a CPU and moves it to threads on a GPU, unless told', () => {
    const auto = (device: string, extra = {}) => planRuntime(resolveConfig({ model: 'm', device, ...extra }, {}), 16);
    expect(auto('cpu')).toEqual({
      preprocessThreads: 0,
      visionThreads: 0,
      inflight: 1,
      fetchConcurrency: 16,
      decodes: 32,
    });
    expect(auto('cuda:0')).toEqual({
      preprocessThreads: 8,
      visionThreads: 2,
      inflight: 2,
      fetchConcurrency: 128,
      decodes: 16,
    });
    expect(planRuntime(resolveConfig({ model: 'm', device: 'cuda' }, {}), 2).preprocessThreads).toBe(2);
    const told = { preprocessThreads: '3', visionThreads: '1', inflight: '2', fetchConcurrency: '40' };
    expect(auto('cpu', told)).toMatchObject({
      preprocessThreads: 3,
      visionThreads: 1,
      inflight: 2,
      fetchConcurrency: 40,
      decodes: 6,
    });
    expect(() => resolveConfig({ model: 'm', visionThreads: 'many' }, {})).toThrow(
      /--vision-threads \(METACLIP_VISION_THREADS\): use a number of threads/,
    );
  });
});

describe('buildCli', () => {
  const parse = async (argv: string[]) => {
    const calls: unknown[] = [];
    const cli = buildCli({
      run: async (flags) => {
        calls.push(['run', flags]);
      },
      launch: async (gpus, flags) => {
        calls.push(['launch', gpus, flags]);
      },
    });
    await cli.parseAsync(argv, { from: 'user' });
    return calls;
  };

  it('parses worker flags into config keys', async () => {
    expect(await parse(['--model', 'm', '--max-batch', '16', '--threads', '1'])).toEqual([
      ['run', { model: 'm', maxBatch: '16', threads: '1' }],
    ]);
  });

  it('gives every setting a flag that lands on its own config key', async () => {
    const argv = Object.values(WORKER_SETTINGS).flatMap((s) => [flagName(s) as string, '1']);
    const [[, flags]] = (await parse(argv)) as [[string, Record<string, unknown>]];
    expect(Object.keys(flags).sort()).toEqual(Object.keys(WORKER_SETTINGS).sort());
  });

  it('parses launch with its GPU list and the worker flags', async () => {
    expect(await parse(['launch', '--gpus', '0,1', '--model', 'm'])).toEqual([['launch', '0,1', { model: 'm' }]]);
    expect(await parse(['launch', '--model', 'm'])).toEqual([['launch', 'all', { model: 'm' }]]);
  });

  it('shows examples and defaults in --help', () => {
    const help = buildCli({ run: async () => {}, launch: async () => {} }).helpInformation();
    expect(help).toContain('--max-delay-ms');
    expect(help).toContain(`default: ${WORKER_SETTINGS.maxBatch.default}`);
  });
});
