/**
 * Device strings (`cpu`, `cuda`, `cuda:N`, `webgpu`) and the onnxruntime execution providers they select.
 */
import { ProviderUnavailableError } from '../errors.ts';

/** A parsed device. */
export type Device = { kind: 'cpu' } | { kind: 'cuda'; index: number } | { kind: 'webgpu' };

/** What `onnxruntime-node` accepts in `executionProviders`. */
export type ExecutionProvider = 'cpu' | 'webgpu' | { name: 'cuda'; deviceId: number };

const CUDA = /^cuda(?::(\d+))?$/;

/**
 * Parse a device string (case and surrounding spaces ignored; default `cpu`).
 * @throws ProviderUnavailableError for anything else, naming the accepted forms.
 */
export function parseDevice(value: string | undefined): Device {
  const text = (value ?? 'cpu').trim().toLowerCase();
  if (text === 'cpu') return { kind: 'cpu' };
  if (text === 'webgpu') return { kind: 'webgpu' };
  const cuda = CUDA.exec(text);
  if (cuda) {
    const index = Number(cuda[1] ?? 0);
    if (Number.isSafeInteger(index)) return { kind: 'cuda', index };
  }
  throw new ProviderUnavailableError(
    text,
    `unknown device ${JSON.stringify(value)}: expected cpu, cuda, cuda:N (N = GPU index) or webgpu`,
  );
}

/** The canonical string of a device (`cuda:0`, not `CUDA`). */
export function formatDevice(device: Device): string {
  return device.kind === 'cuda' ? `cuda:${device.index}` : device.kind;
}

/**
 * Providers in priority order. Accelerators are followed by `cpu` so that the few nodes a GPU provider lacks
 * (shape arithmetic, casts of int64 ids) still run instead of failing the session.
 */
export function executionProviders(device: Device): ExecutionProvider[] {
  switch (device.kind) {
    case 'cpu':
      return ['cpu'];
    case 'cuda':
      return [{ name: 'cuda', deviceId: device.index }, 'cpu'];
    case 'webgpu':
      return ['webgpu', 'cpu'];
  }
}
