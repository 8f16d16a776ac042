import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { addSettingOptions, ConfigError, defineSettings, envOnlyHelp, resolveSettings } from './index.ts';

const TABLE = defineSettings({
  maxBatch: {
    flag: '--max-batch <n>',
    env: 'METACLIP_MAX_BATCH',
    deprecatedEnv: ['MAX_BATCH'],
    default: 32,
    schema: z.coerce.number().int().min(1),
    help: 'largest model batch',
  },
  queue: {
    flag: '--queue <name>',
    env: 'METACLIP_QUEUE',
    schema: z.array(z.string()),
    default: [],
    help: 'queues',
    repeatable: true,
  },
  token: {
    env: 'METACLIP_TOKEN',
    schema: z.string().min(16, 'needs at least 16 characters').optional(),
    help: 'bearer token',
    secret: true,
  },
});

describe('resolveSettings', () => {
  it('takes the flag, else the variable, else a deprecated variable with a warning, else the default', () => {
    const warnings: string[] = [];
    const resolve = (flags: Record<string, unknown>, env: Record<string, string>) =>
      resolveSettings(TABLE, { flags, env, warn: (m) => warnings.push(m) });
    expect(resolve({}, {})).toEqual({ maxBatch: 32, queue: [], token: undefined });
    expect(resolve({}, { METACLIP_MAX_BATCH: '64', MAX_BATCH: '8' }).maxBatch).toBe(64);
    expect(resolve({ maxBatch: '16' }, { METACLIP_MAX_BATCH: '64' }).maxBatch).toBe(16);
    expect(warnings).toEqual([]);
    expect(resolve({}, { MAX_BATCH: '8', METACLIP_MAX_BATCH: ' ' }).maxBatch).toBe(8);
    expect(warnings).toEqual([
      'MAX_BATCH is deprecated and will stop working in the next release; set METACLIP_MAX_BATCH instead',
    ]);
    expect(resolve({}, { METACLIP_QUEUE: 'a, b' }).queue).toEqual(['a', 'b']);
  });

  it('names every bad setting by flag and variable in one error, never echoing a secret', () => {
    let error: unknown;
    try {
      resolveSettings(TABLE, { flags: { maxBatch: '0' }, env: { METACLIP_TOKEN: 'short-secret' } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', retryable: false, exitCode: 2 });
    expect((error as ConfigError).problems).toEqual([
      '--max-batch (METACLIP_MAX_BATCH): Too small: expected number to be >=1 (got "0")',
      'METACLIP_TOKEN: needs at least 16 characters',
    ]);
    expect((error as Error).message).toMatch(/^invalid configuration:\n {2}--max-batch/);
  });

  it('runs cross-setting checks once each setting is valid', () => {
    const check = () => [{ key: 'maxBatch', message: 'must be even' }];
    expect(() => resolveSettings(TABLE, { env: { METACLIP_MAX_BATCH: '3' } }, check)).toThrow(
      '--max-batch (METACLIP_MAX_BATCH): must be even (got "3")',
    );
  });
});

describe('addSettingOptions', () => {
  it('adds a flag per setting with its default and variable in the help, and no commander default', () => {
    const cmd = addSettingOptions(new Command('x'), TABLE);
    expect(cmd.helpInformation()).toContain('largest model batch (default: 32; env: METACLIP_MAX_BATCH)');
    expect(cmd.helpInformation()).not.toContain('--token');
    cmd.parse(['--queue', 'a', '--queue', 'b'], { from: 'user' });
    expect(cmd.opts()).toEqual({ queue: ['a', 'b'] });
    expect(envOnlyHelp(TABLE)).toContain('METACLIP_TOKEN  bearer token');
  });

  it('refuses a table whose flag parses to another key', () => {
    expect(() =>
      defineSettings({ batch: { flag: '--max-batch <n>', env: 'X', schema: z.string(), help: '' } }),
    ).toThrow(/parses to another key/);
  });
});
