import { joinUri, NotFoundError, readParquet, type StorageOptions } from '@metaclip-batch/storage';
import type { ClusterInfo } from './cluster.ts';
import { defaultIndexUri } from './index-files.ts';
import { QueryEncoder } from './query-encoder.ts';
import { openRun, type RunReader } from './run-reader.ts';
import { IndexSearcher, type QueryOptions, type SearchHit } from './searcher.ts';
import { Thumbnails } from './thumbnails.ts';

/** A duplicate group: its first image and the others, with their cosine to it. */
export interface DuplicateGroup {
  image_path: string;
  duplicates: { image_path: string; score: number; exact: boolean }[];
}

/** The images nearest to one label's embedding (with the run's templates), among images the run gave that label. */
export interface LabelGallery {
  label: string;
  images: SearchHit[];
}

/**
 * Everything the dashboard's explore page asks of one finished run: text search, "more like this", the top images
 * per label, clusters and duplicate groups (when `metaclip cluster` / `dedup` wrote them), and thumbnails. Opens the
 * index at `<run>/index` and the run's model lazily, once.
 */
export class RunExplorer {
  private searcher: Promise<IndexSearcher> | null = null;
  private encoder: Promise<QueryEncoder> | null = null;
  readonly thumbnails: Thumbnails;

  private constructor(
    readonly run: RunReader,
    private readonly opts: StorageOptions,
  ) {
    this.thumbnails = new Thumbnails(run.manifest.source, run.storage);
  }

  /** @throws SearchError `RUN_NOT_FOUND` when the run has no manifest yet. */
  static async open(runRoot: string, opts: StorageOptions = {}): Promise<RunExplorer> {
    return new RunExplorer(await openRun(runRoot, opts), opts);
  }

  private index(): Promise<IndexSearcher> {
    this.searcher ??= IndexSearcher.open(defaultIndexUri(this.run.root), this.opts);
    this.searcher.catch(() => {
      this.searcher = null; // built later: try again next time
    });
    return this.searcher;
  }

  private model(): Promise<QueryEncoder> {
    this.encoder ??= QueryEncoder.open(this.run.manifest.model);
    this.encoder.catch(() => {
      this.encoder = null;
    });
    return this.encoder;
  }

  /** Images nearest to a text, embedded as given. */
  async search(text: string, opts: QueryOptions = {}): Promise<SearchHit[]> {
    const index = await this.index();
    const [vector] = await (await this.model()).texts([text]);
    return index.search(vector as Float32Array, opts);
  }

  /** "More like this": the image first, then its nearest neighbours. */
  async similar(imagePath: string, opts: QueryOptions = {}): Promise<SearchHit[]> {
    return (await this.index()).like(imagePath, opts);
  }

  /** For each of the run's labels, the `k` images of that label nearest to the label's embedding. */
  async labels(k = 8): Promise<LabelGallery[]> {
    const { labels, templates } = this.run.manifest;
    if (labels.length === 0) return [];
    const index = await this.index();
    const table = await (await this.model()).labels(labels, templates);
    const dim = this.run.dim;
    return Promise.all(
      labels.map(async (label, i) => ({
        label,
        images: await index.search(table.subarray(i * dim, (i + 1) * dim), { k, label }),
      })),
    );
  }

  /** `clusters/clusters.json`, or null when `metaclip cluster` has not run. */
  async clusters(): Promise<ClusterInfo[] | null> {
    const body = await this.optional('clusters/clusters.json');
    return body === null ? null : (JSON.parse(body.toString('utf8')) as ClusterInfo[]);
  }

  /** `duplicates/duplicates.parquet` grouped by first image, largest groups first; null when dedup has not run. */
  async duplicates(limit = 50): Promise<DuplicateGroup[] | null> {
    const body = await this.optional('duplicates/duplicates.parquet');
    if (body === null) return null;
    const groups = new Map<string, DuplicateGroup>();
    for (const r of await readParquet(body)) {
      const first = String(r.duplicate_of);
      const g = groups.get(first) ?? { image_path: first, duplicates: [] };
      g.duplicates.push({ image_path: String(r.image_path), score: Number(r.score), exact: r.exact === true });
      groups.set(first, g);
    }
    return [...groups.values()].sort((a, b) => b.duplicates.length - a.duplicates.length).slice(0, limit);
  }

  private async optional(relative: string): Promise<Buffer | null> {
    try {
      return await this.run.storage.get(joinUri(this.run.root, ...relative.split('/')));
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  /** Releases the model's sessions. */
  async close(): Promise<void> {
    const encoder = this.encoder;
    this.encoder = null;
    if (encoder) await (await encoder.catch(() => null))?.close();
  }
}
