import { describe, expect, it } from 'vitest';
import { ProviderUnavailableError } from '../errors.ts';
import { executionProviders, formatDevice, parseDevice } from './device.ts';

describe('parseDevice', () => {
  it('parses the accepted forms', () => {
    expect(parseDevice(undefined)).toEqual({ kind: 'cpu' });
    expect(parseDevice(' CPU ')).toEqual({ kind: 'cpu' });
    expect(parseDevice('cuda')).toEqual({ kind: 'cuda', index: 0 });
    expect(parseDevice('cuda:3')).toEqual({ kind: 'cuda', index: 3 });
    expect(parseDevice('webgpu')).toEqual({ kind: 'webgpu' });
    expect(formatDevice(parseDevice('CUDA'))).toBe('cuda:0');
  });

  it('rejects anything else with a ProviderUnavailableError naming the accepted forms', () => {
    for (const bad of ['gpu', 'cuda:', 'cuda:-1', 'cuda:1.5', 'metal', '', 'cpu:0']) {
      let caught: unknown;
      try {
        parseDevice(bad);
      } catch (err) {
        caught = err;
      }
      expect(caught, bad).toBeInstanceOf(ProviderUnavailableError);
      expect((caught as Error).message).toContain('expected cpu, cuda, cuda:N');
      expect((caught as ProviderUnavailableError).code).toBe('PROVIDER_UNAVAILABLE');
    }
  });
});

describe('executionProviders', () => {
  it('puts the accelerator first and keeps cpu as the fallback', () => {
    expect(executionProviders({ kind: 'cpu' })).toEqual(['cpu']);
    expect(executionProviders({ kind: 'cuda', index: 1 })).toEqual([{ name: 'cuda', deviceId: 1 }, 'cpu']);
    expect(executionProviders({ kind: 'webgpu' })).toEqual(['webgpu', 'cpu']);
  });
});
