/**
 * Facts about the machine a bench run measures on, for the report's header: without them a number means nothing.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { env as ortEnv } from 'onnxruntime-node';
import type { MachineInfo } from './report';

/**
 * Describes this machine. The GPU name is asked of `nvidia-smi` only for a GPU device, and left out when it cannot
 * answer (a WebGPU run on a machine without the NVIDIA tools still measures).
 */
export function describeMachine(device: string): MachineInfo {
  const cpus = os.cpus();
  const info: MachineInfo = {
    cpu: (cpus[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim(),
    cores: os.availableParallelism(),
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.platform()} ${os.arch()}`,
    loadAvg1m: Math.round((os.loadavg()[0] ?? 0) * 10) / 10,
  };
  if (device !== 'cpu') {
    const gpu = gpuName();
    if (gpu) info.gpu = gpu;
  }
  return info;
}

/** The onnxruntime-node version every session of the run uses (the root package.json pins it by override). */
export function ortVersion(): string {
  return ortEnv.versions.node ?? ortEnv.versions.common;
}

function gpuName(): string | undefined {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.split('\n')[0]?.trim() || undefined;
  } catch {
    // No nvidia-smi (WebGPU on another vendor, or a container without the tools): the report says "device" only.
    return undefined;
  }
}
