import {
  buildLabelSet,
  ImageInputError,
  type LoadOptions,
  loadModel,
  type MetaClipModel,
} from '@metaclip-batch/metaclip';
import { SearchError } from './errors.ts';
import { normalizeInPlace } from './vectors.ts';

/**
 * Turns queries into unit vectors with the model the index (or run) was made with: a text is embedded as given (no
 * prompt template, which is what a search box's user typed), an image file or buffer through the model's own
 * preprocessing. Open once and reuse; `close` releases the sessions.
 */
export class QueryEncoder {
  private constructor(private readonly model: MetaClipModel) {}

  /** Loads `model` (a folder, an ONNX folder or a hub id, as `manifest.json` names it), text and vision towers. */
  static async open(model: string, opts: Omit<LoadOptions, 'towers'> = {}): Promise<QueryEncoder> {
    return new QueryEncoder(await loadModel(model, opts));
  }

  /** The unit embedding of each text. */
  async texts(texts: string[]): Promise<Float32Array[]> {
    return (await this.model.embedTexts(texts)).map(normalizeInPlace);
  }

  /** Unit embeddings of labels averaged over prompt templates, as the run scored them: `[labels.length, D]`. */
  async labels(labels: readonly string[], templates: readonly string[]): Promise<Float32Array> {
    return (await buildLabelSet(this.model, labels, templates)).embeddings;
  }

  /**
   * The unit embedding of an image.
   *
   * @throws SearchError `BAD_QUERY` when it does not decode.
   */
  async image(input: string | Buffer): Promise<Float32Array> {
    const [out] = await this.model.embedImages([input]);
    if (out instanceof ImageInputError || out === undefined) {
      const what = typeof input === 'string' ? input : 'the query image';
      throw new SearchError(
        'BAD_QUERY',
        `${what} is not an image this model can read: ${out?.message ?? 'no result'}`,
        {
          cause: out,
        },
      );
    }
    return normalizeInPlace(out);
  }

  async close(): Promise<void> {
    await this.model.dispose();
  }
}
