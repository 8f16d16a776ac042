"""The Python peers of `npm run bench`, on the same Hugging Face folder, images and thread count as our worker.

Three ways people run CLIP zero-shot labelling / embedding with PyTorch, each timed over the same files:

- ``hf_pipeline``: transformers' ``pipeline("zero-shot-image-classification")`` called one image (path) per call, the
  seed project's recipe and what the model cards show;
- ``hf_pipeline_batched``: the same pipeline given the whole list with ``batch_size`` = our batch;
- ``torch_batched``: batch inference the way clip-retrieval does it: a ``DataLoader`` whose workers open and
  preprocess the images (the model's own image processor), ``get_image_features`` on each batch in the main process,
  then normalisation and scores against label embeddings computed once;
- ``torch_raw``: the model alone, ``get_image_features`` on pixels preprocessed before the clock starts, at our batch:
  PyTorch's side of ``raw_model_img_s``, so the report can tell the two runtimes' kernels apart from the pipelines
  around them.

Each is warmed up (model load, first call) before its clock starts. ``torch.set_num_threads`` = ``--threads``. Run by
bench/run.ts (bench/lib/peer-suite.ts) with ``$BENCH_PYTHON``; never a dependency of the product, its tests or CI.
Prints one JSON object as its last stdout line: ``{ hf_pipeline: [img/s], hf_pipeline_batched: [img/s],
torch_batched: [img/s], torch_raw: [img/s], images, batch, threads, workers, torch, transformers }``.

Usage: python bench/peers.py --model <hf dir> --images-dir <dir> --images 32 --batch 8 --threads 2
         --labels '["a cat", ...]' [--template 'This is a photo of {}.'] [--repeats 1]
"""

import argparse
import json
import os
import sys
import time

import torch
import transformers
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from transformers import AutoImageProcessor, AutoTokenizer, CLIPModel, pipeline

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif")


def log(msg):
    print(f"peers: {msg}", file=sys.stderr, flush=True)


def image_files(folder, count):
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(IMAGE_EXTENSIONS))
    if not names:
        raise SystemExit(f"no images in {folder}")
    return [os.path.join(folder, names[i % len(names)]) for i in range(count)]


def timed(label, count, fn):
    t0 = time.perf_counter()
    fn()
    rate = count / (time.perf_counter() - t0)
    log(f"{label}: {rate:.2f} img/s")
    return rate


def hf_pipeline(args, files, labels, batch_size):
    pipe = pipeline("zero-shot-image-classification", model=args.model, device="cpu", dtype=torch.float32)
    kwargs = {"candidate_labels": labels, "hypothesis_template": args.template}
    pipe(files[0], **kwargs)
    if batch_size == 1:
        return timed("hf pipeline, one image per call", len(files), lambda: [pipe(f, **kwargs) for f in files])
    return timed(
        f"hf pipeline, batch_size {batch_size}", len(files), lambda: pipe(files, batch_size=batch_size, **kwargs)
    )


class ImageFiles(Dataset):
    """clip-retrieval's reader: open each file in a DataLoader worker and preprocess it there."""

    def __init__(self, files, processor):
        self.files = files
        self.processor = processor

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        with Image.open(self.files[i]) as im:
            return self.processor(images=im.convert("RGB"), return_tensors="pt")["pixel_values"][0]


def features(out):
    """transformers 5 returns a model output whose pooler_output is the projected embedding; 4.x the tensor."""
    return out if isinstance(out, torch.Tensor) else out.pooler_output


def torch_batched(args, model, processor, files, labels):
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    with torch.inference_mode():
        tokens = tokenizer([args.template.format(label) for label in labels], padding=True, return_tensors="pt")
        text = features(model.get_text_features(**tokens))
        text = text / text.norm(dim=-1, keepdim=True)

    def run(paths):
        loader = DataLoader(ImageFiles(paths, processor), batch_size=args.batch, num_workers=args.threads)
        with torch.inference_mode():
            for pixels in loader:
                emb = features(model.get_image_features(pixel_values=pixels))
                emb = emb / emb.norm(dim=-1, keepdim=True)
                (100 * emb @ text.T).softmax(dim=-1).topk(min(3, len(labels)))

    run(files[: args.batch])
    return timed(f"torch DataLoader ({args.threads} workers) + get_image_features", len(files), lambda: run(files))


def torch_raw(args, model, processor, files):
    with torch.inference_mode():
        dataset = ImageFiles(files, processor)
        batches = torch.stack([dataset[i] for i in range(len(dataset))]).split(args.batch)
        model.get_image_features(pixel_values=batches[0])
        return timed(
            f"torch get_image_features alone, batch {args.batch}",
            len(files),
            lambda: [features(model.get_image_features(pixel_values=b)) for b in batches],
        )


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True)
    p.add_argument("--images-dir", required=True)
    p.add_argument("--images", type=int, default=32)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--labels", required=True, help="JSON list of candidate labels")
    p.add_argument("--template", default="This is a photo of {}.")
    p.add_argument("--repeats", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    files = image_files(args.images_dir, args.images)
    labels = json.loads(args.labels)
    result = {"hf_pipeline": [], "hf_pipeline_batched": [], "torch_batched": [], "torch_raw": []}
    model = CLIPModel.from_pretrained(args.model, dtype=torch.float32).eval()
    processor = AutoImageProcessor.from_pretrained(args.model)
    for _ in range(args.repeats):
        result["hf_pipeline"].append(hf_pipeline(args, files, labels, 1))
        result["hf_pipeline_batched"].append(hf_pipeline(args, files, labels, args.batch))
        result["torch_batched"].append(torch_batched(args, model, processor, files, labels))
        result["torch_raw"].append(torch_raw(args, model, processor, files))
    result.update(
        images=len(files),
        batch=args.batch,
        threads=args.threads,
        workers=args.threads,
        torch=torch.__version__,
        transformers=transformers.__version__,
    )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
