import { deviceSchema, modelRefSchema } from './schemas.ts';
import { defineSettings } from './table.ts';

/**
 * The settings that name a model and where it runs, shared by every app that loads one (the `metaclip` CLI's model
 * commands, the worker), so both take the same flags and variables with the same help.
 */
export const MODEL_REF_SETTINGS = defineSettings({
  model: {
    flag: '--model <ref>',
    env: 'METACLIP_MODEL',
    schema: modelRefSchema,
    help: 'model folder, ONNX folder or hub id org/name[@revision]; required',
  },
  device: {
    flag: '--device <device>',
    env: 'METACLIP_DEVICE',
    default: 'cpu',
    schema: deviceSchema,
    help: 'cpu, cuda, cuda:N or webgpu',
  },
});
