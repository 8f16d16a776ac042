import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ProjectError } from '@metaclip-batch/errors';
import { flagName, signalExitCode } from '@metaclip-batch/settings';
import type { Logger } from '@metaclip-batch/telemetry';
import { WORKER_SETTINGS } from './config.ts';

/** One worker process the launcher starts. */
export interface LaunchPlan {
  /** GPU index as the child sees it (`--device cuda:<gpu>`). */
  gpu: number;
  args: string[];
}

/** Raised when the GPUs to use cannot be determined or do not exist. */
export class LaunchError extends ProjectError {
  readonly code = 'LAUNCH';
  readonly retryable = false;
}

/**
 * Pure: how many GPUs this process can see. `CUDA_VISIBLE_DEVICES` (when set) is what CUDA will expose, renumbered
 * from 0; otherwise the lines of `nvidia-smi -L` (`GPU 0: NVIDIA H100 ... (UUID: ...)`).
 */
export function countVisibleGpus(cudaVisibleDevices: string | undefined, nvidiaSmiList: string | undefined): number {
  if (cudaVisibleDevices !== undefined) {
    const ids = cudaVisibleDevices.split(',').map((s) => s.trim());
    // CUDA stops at the first invalid entry (e.g. -1 hides every GPU).
    const valid = ids.findIndex((id) => id === '' || id.startsWith('-'));
    return valid === -1 ? ids.length : valid;
  }
  return (nvidiaSmiList ?? '').split('\n').filter((line) => /^GPU \d+:/.test(line.trim())).length;
}

/** Pure: the GPU indices `--gpus` selects (`all`, or a list like `0,1`) out of `visible`. */
export function selectGpus(spec: string, visible: number): number[] {
  if (spec.trim() === 'all') {
    if (visible === 0) throw new LaunchError('--gpus all: no GPU is visible (nvidia-smi -L lists none)');
    return Array.from({ length: visible }, (_, i) => i);
  }
  const ids = spec.split(',').map((s) => s.trim());
  const gpus = ids.map(Number);
  const bad = ids.filter((s, i) => !/^\d+$/.test(s) || (gpus[i] as number) >= visible);
  if (bad.length > 0) {
    throw new LaunchError(
      `--gpus ${spec}: ${bad.join(', ')} not among the ${visible} visible GPU(s) (0..${visible - 1})`,
    );
  }
  if (new Set(gpus).size !== gpus.length) throw new LaunchError(`--gpus ${spec}: a GPU is listed twice`);
  return gpus;
}

/**
 * Pure: one child per GPU, each with the worker flags it was given plus `--device cuda:<i>`, its own metrics port
 * (`base + position`; a port of 0 (pick a free one) or -1 (none) is passed through unchanged) and, when `--name` was
 * given, its own name (`<name>-cuda<i>`).
 */
export function planLaunch(gpus: readonly number[], flags: Record<string, unknown>): LaunchPlan[] {
  const base = Number(flags.metricsPort ?? WORKER_SETTINGS.metricsPort.default);
  const shared: string[] = [];
  for (const [key, setting] of Object.entries(WORKER_SETTINGS)) {
    const value = flags[key];
    if (value === undefined || key === 'device' || key === 'metricsPort' || key === 'name') continue;
    shared.push(flagName(setting) as string, String(value));
  }
  return gpus.map((gpu, i) => ({
    gpu,
    args: [
      ...shared,
      ...(flags.name === undefined ? [] : ['--name', `${flags.name}-cuda${gpu}`]),
      '--device',
      `cuda:${gpu}`,
      '--metrics-port',
      String(base > 0 ? base + i : base),
    ],
  }));
}

/** Lists GPUs with `nvidia-smi -L`; undefined when there is no nvidia-smi (then only CUDA_VISIBLE_DEVICES counts). */
async function nvidiaSmiList(): Promise<string | undefined> {
  try {
    return (await promisify(execFile)('nvidia-smi', ['-L'], { timeout: 10_000 })).stdout;
  } catch {
    return undefined;
  }
}

const WORKER_BIN = fileURLToPath(new URL('../bin/metaclip-worker.cjs', import.meta.url));

/**
 * `metaclip-worker launch`: starts one worker process per selected GPU and supervises them. SIGTERM and SIGINT are
 * forwarded to every child. A child that exits is logged and never restarted (a crash loop belongs to the
 * orchestrator, which sees it). Resolves with the exit code once every child is gone: 128 + the signal (130, 143)
 * when a shutdown was asked for and every child stopped as asked, else 1.
 */
export async function launchWorkers(gpuSpec: string, flags: Record<string, unknown>, log: Logger): Promise<number> {
  const visible = countVisibleGpus(process.env.CUDA_VISIBLE_DEVICES, await nvidiaSmiList());
  const plans = planLaunch(selectGpus(gpuSpec, visible), flags);
  let stopping: NodeJS.Signals | null = null;
  const children = new Set<ChildProcess>();
  let failures = 0;

  const forward = (signal: NodeJS.Signals) => {
    stopping = signal;
    log.info({ signal, children: children.size }, 'forwarding signal to workers');
    for (const child of children) child.kill(signal);
  };
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);

  const exits = plans.map(
    (plan) =>
      new Promise<void>((resolve) => {
        const child = spawn(process.execPath, [WORKER_BIN, ...plan.args], { stdio: 'inherit', env: process.env });
        children.add(child);
        log.info({ gpu: plan.gpu, pid: child.pid, args: plan.args }, 'worker started');
        let settled = false;
        child.on('exit', (code, signal) => {
          settled = true;
          children.delete(child);
          // A worker stopped by our signal exits 128 + that signal once its shards are done.
          const clean = stopping !== null && code === signalExitCode(stopping);
          if (!clean) failures++;
          const entry = { gpu: plan.gpu, pid: child.pid, code, signal, left: children.size };
          if (clean) log.info(entry, 'worker exited');
          else log.error(entry, 'worker exited unexpectedly; not restarting it');
          resolve();
        });
        child.on('error', (err) => {
          log.error({ gpu: plan.gpu, err }, 'worker process error');
          // A child that never started emits no 'exit'.
          if (child.pid === undefined && !settled) {
            settled = true;
            children.delete(child);
            failures++;
            resolve();
          }
        });
      }),
  );
  await Promise.all(exits);
  process.off('SIGTERM', forward);
  process.off('SIGINT', forward);
  if (failures > 0) return 1;
  return stopping === null ? 0 : signalExitCode(stopping);
}
