/** onnxruntime-node: devices, execution providers, sessions and the provider libraries they need. *
 * @module @metaclip-batch/metaclip/runtime
 */
export type { Device, ExecutionProvider } from './device.ts';
export { executionProviders, formatDevice, parseDevice } from './device.ts';
export type { SessionOptions } from './session.ts';
export { createSession, missingProviderLibs, onnxruntimeBinDir } from './session.ts';
