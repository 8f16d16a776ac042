/**
 * onnxruntime-node inference sessions: full graph optimization, configurable threads, and typed failures. A provider
 * that cannot load becomes a {@link ProviderUnavailableError} that says what is missing; a model onnxruntime rejects
 * becomes a {@link ModelLoadError}.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Logger } from 'pino';
import { ModelLoadError, ProviderUnavailableError } from '../errors.ts';
import { type Device, executionProviders, formatDevice } from './device.ts';

/** Options of {@link createSession}. */
export interface SessionOptions {
  device: Device;
  /** Threads inside one operator (onnxruntime's default: one per physical core). */
  intraOpThreads?: number;
  /** Threads across independent operators (only used by parallel execution). */
  interOpThreads?: number;
  /**
   * Whether idle intra-op threads spin waiting for the next operator (default: on a CPU only). Spinning makes a
   * session alone on its cores a little faster, but where other work shares them (a worker decoding images) the
   * spinning threads take the cores that work needs.
   */
  spinning?: boolean;
  logger?: Logger;
}

/** The CUDA provider's shared libraries, which onnxruntime-node does not ship (see shared/docs/GPU.md). */
export const CUDA_PROVIDER_LIBS = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'] as const;

/** Folder of onnxruntime-node's native binaries (`libonnxruntime.so.1`), where provider libraries must be put. */
export function onnxruntimeBinDir(): string {
  const main = createRequire(import.meta.url).resolve('onnxruntime-node');
  return path.join(path.dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

/** Which provider libraries a device needs that are not installed (empty when nothing is missing). */
export function missingProviderLibs(device: Device, binDir = onnxruntimeBinDir()): string[] {
  if (device.kind !== 'cuda') return [];
  return CUDA_PROVIDER_LIBS.filter((lib) => !existsSync(path.join(binDir, lib))).map((lib) => path.join(binDir, lib));
}

/** Pure: the onnxruntime session options {@link createSession} opens a model with. */
export function ortSessionOptions(options: Omit<SessionOptions, 'logger'>): ort.InferenceSession.SessionOptions {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: executionProviders(options.device),
    graphOptimizationLevel: 'all',
    // Warnings such as "some nodes were assigned to CPU" are expected with GPU providers; errors still surface.
    logSeverityLevel: 3,
  };
  // On a GPU the CPU threads only launch kernels; spinning they would take cores from image decoding.
  if (!(options.spinning ?? options.device.kind === 'cpu')) {
    sessionOptions.extra = { session: { intra_op: { allow_spinning: '0' } } };
  }
  if (options.intraOpThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpThreads;
  if (options.interOpThreads !== undefined) sessionOptions.interOpNumThreads = options.interOpThreads;
  return sessionOptions;
}

/**
 * Open an ONNX model on a device.
 * @throws ProviderUnavailableError when the device's provider is not installed or fails to initialise.
 * @throws ModelLoadError when onnxruntime rejects the model file.
 */
export async function createSession(modelPath: string, options: SessionOptions): Promise<ort.InferenceSession> {
  const { device } = options;
  const name = formatDevice(device);
  const missing = missingProviderLibs(device);
  if (missing.length > 0) {
    throw new ProviderUnavailableError(
      device.kind,
      `device ${name} needs onnxruntime's CUDA provider, which is not installed: missing ${missing.join(', ')}. ` +
        'Copy the provider libraries built for onnxruntime 1.29 and your CUDA version next to libonnxruntime.so.1 ' +
        '(see shared/docs/GPU.md), and put the CUDA and cuDNN libraries on LD_LIBRARY_PATH.',
    );
  }
  const sessionOptions = ortSessionOptions(options);
  const started = performance.now();
  try {
    const session = await ort.InferenceSession.create(modelPath, sessionOptions);
    options.logger?.debug(
      { model: modelPath, device: name, ms: Math.round(performance.now() - started) },
      'onnxruntime session ready',
    );
    return session;
  } catch (err) {
    const message = (err as Error).message;
    if (device.kind !== 'cpu' && looksLikeProviderFailure(message)) {
      throw new ProviderUnavailableError(
        device.kind,
        `device ${name} could not be initialised by onnxruntime: ${message}. Check the GPU driver, and that the ` +
          'CUDA/cuDNN (or Vulkan, for webgpu) libraries are on LD_LIBRARY_PATH (see shared/docs/GPU.md).',
        { cause: err },
      );
    }
    throw new ModelLoadError(`onnxruntime cannot load ${modelPath}: ${message}`, { cause: err, path: modelPath });
  }
}

/** Whether an onnxruntime error is about the execution provider rather than the model (pure, for tests). */
export function looksLikeProviderFailure(message: string): boolean {
  return /provider|cuda|cudnn|cublas|libcu|dawn|vulkan|webgpu|adapter|no gpu|device/i.test(message);
}
