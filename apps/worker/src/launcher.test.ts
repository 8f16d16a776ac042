import { describe, expect, it } from 'vitest';
import { countVisibleGpus, LaunchError, planLaunch, selectGpus } from './launcher.ts';

const SMI = `GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-aaaa)
GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-bbbb)
GPU 2: NVIDIA H100 80GB HBM3 (UUID: GPU-cccc)
`;

describe('countVisibleGpus', () => {
  it('counts nvidia-smi -L lines when CUDA_VISIBLE_DEVICES is unset', () => {
    expect(countVisibleGpus(undefined, SMI)).toBe(3);
    expect(countVisibleGpus(undefined, undefined)).toBe(0);
  });

  it('lets CUDA_VISIBLE_DEVICES decide, stopping at the first invalid entry as CUDA does', () => {
    expect(countVisibleGpus('2,3', SMI)).toBe(2);
    expect(countVisibleGpus('GPU-aaaa', SMI)).toBe(1);
    expect(countVisibleGpus('0,-1,1', SMI)).toBe(1);
    expect(countVisibleGpus('', SMI)).toBe(0);
  });
});

describe('selectGpus', () => {
  it('selects all or a list of visible GPUs', () => {
    expect(selectGpus('all', 3)).toEqual([0, 1, 2]);
    expect(selectGpus('2, 0', 3)).toEqual([2, 0]);
  });

  it('refuses GPUs that are not visible, repeated, or none at all', () => {
    expect(() => selectGpus('all', 0)).toThrow(LaunchError);
    expect(() => selectGpus('0,3', 3)).toThrow(/3 not among the 3 visible/);
    expect(() => selectGpus('x', 3)).toThrow(LaunchError);
    expect(() => selectGpus('1,1', 3)).toThrow(/twice/);
  });
});

describe('planLaunch', () => {
  it('gives each child its GPU and its own metrics port, passing the other flags on', () => {
    const plans = planLaunch([0, 1], { model: '/m', maxBatch: '64', device: 'cpu', metricsPort: '9500' });
    expect(plans).toEqual([
      { gpu: 0, args: ['--model', '/m', '--max-batch', '64', '--device', 'cuda:0', '--metrics-port', '9500'] },
      { gpu: 1, args: ['--model', '/m', '--max-batch', '64', '--device', 'cuda:1', '--metrics-port', '9501'] },
    ]);
  });

  it('keeps "any free port" and "no metrics" as they are', () => {
    expect(planLaunch([0, 1], { metricsPort: '0' }).map((p) => p.args.at(-1))).toEqual(['0', '0']);
    expect(planLaunch([0], { metricsPort: '-1' })[0]?.args.at(-1)).toBe('-1');
  });
});
