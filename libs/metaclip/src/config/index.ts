/** Model configuration: Hugging Face `config.json` parsing and the named MetaCLIP shapes. *
 * @module @metaclip-batch/metaclip/config
 */
export type {
  ClipConfig,
  ClipEncoderConfig,
  ClipTextConfig,
  ClipVisionConfig,
  HiddenAct,
  ModelType,
  TextPooling,
} from './clip-config.ts';
export { parseClipConfig, readClipConfig, toHfConfigJson, visionTokens } from './clip-config.ts';
export { CLIP_PRESETS, type ClipPreset } from './presets.ts';
