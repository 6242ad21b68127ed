"""Time and peak memory of ``ghdigest`` on large synthetic archives, beside a floor: parsing the YAML and nothing else.

For each size (1,000, 5,000 and 10,000 entries by default) the script writes a digest repository into a temporary
folder (or ``--keep DIR``): this repository's ``ghdigest.yml`` and one ``issues/<key>.yml`` per entry, written to
``schemas/entry.schema.json`` in the canonical form ``ghdigest fmt`` and the CMS admin write. The entries are
deterministic from ``--seed``: about 19 per week (the 10,000 fill 520 weeks, 2015-W01 on, in the ``us`` scheme;
smaller archives fewer weeks); 70% papers (arXiv links written several ways, or OpenReview, DOI, PMLR, ACL pages),
the rest articles, use cases and other topics with link cards; headlines, titles, Markdown summaries of 400-900
characters (some in two paragraphs or with a list, some with links, some as ``en``/``ja``/``zh`` maps), topics,
authors, images, issue mirrors; some ``status: inbox`` (a few without a summary yet: a warning), ``published`` or
``skip``, some ``pick: true``, some dated rather than weeked; and a week file under ``issues/digests/`` for about
one week in eight. Every link is unique: ``ghdigest validate`` accepts the archive (exit 0, warnings only).

Then it runs, each as a subprocess timed with ``time.perf_counter`` and its peak RSS taken from ``os.wait4``:

* the floor: a child Python that reads every YAML file of the archive and parses it with PyYAML's C loader
  (``yaml.load(text, Loader=yaml.CSafeLoader)``), and does nothing else;
* ``ghdigest validate ROOT``, cold (``ROOT/.ghdigest`` deleted first);
* ``ghdigest build ROOT --out OUT``, cold (caches deleted, ``OUT`` new);
* ``ghdigest build ROOT --out OUT`` again after one entry's summary changed: the "after one edit" figure;
* ``ghdigest fmt ROOT --check`` and ``ghdigest cms decap ROOT --out DIR``.

It prints, per size and command, the seconds, the ratio to the floor, the peak RSS and the exit code; then the
targets at 10,000 entries (or the largest size run): cold build <= 3x floor, build after one edit <= 1x floor,
validate <= 2x floor, peak RSS <= 400 MB; and whether time grows linearly: the time per entry at each size, and the
marginal time per entry between consecutive sizes. Time that grows linearly with a fixed start-up cost has a last
marginal at most its time per entry at the largest size; n log n a little above it, n^2 1.5x at 5,000 -> 10,000.
Linear is a last marginal at most 1.2x the time per entry at the largest size; flat, all marginals under 0.02 ms.
(The smallest sizes are not compared with each other: under 2,000 files or entries the work is done in one
process, over it in one per CPU, a step between 1,000 and 5,000 entries.) Missed targets are reported, never an
exit code.

Requires PyYAML with libyaml for the floor (``pip install pyyaml``; without it the floor is left out and so are
the ratios). Run from the repository root, in the project's virtualenv (a default run takes a few minutes):
``python benchmarks/archive.py [--quick] [--sizes 1000,5000,10000] [--seed N] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ghdigest.decapyaml import dump  # noqa: E402  (the canonical form, as `ghdigest fmt` writes it)
from ghdigest.weeks import Week  # noqa: E402

DEFAULT_SIZES = (1000, 5000, 10000)
QUICK_SIZES = (200, 1000)
MAX_WEEKS = 520
PER_WEEK = 10000 / MAX_WEEKS  # entries per week: 10,000 entries fill the 520 weeks
FIRST_WEEK = Week(2015, 1, "us")
RUN_TIMEOUT = 1800.0
TARGET_SIZE = 10000
TARGET_RSS_MB = 400.0
LINEAR_SLACK = 1.2
FLAT_MS = 0.02  # marginal ms per entry under which a command's time does not grow with the archive

FLOOR_SCRIPT = """
import sys
from pathlib import Path

import yaml

root = Path(sys.argv[1])
paths = [root / "ghdigest.yml", *sorted((root / "issues").rglob("*.yml"))]
for path in paths:
    yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
print(len(paths))
"""

# ---------------------------------------------------------------- vocabulary

METHODS = [
    "Transformer", "diffusion model", "graph neural network", "contrastive learning", "knowledge distillation",
    "mixture of experts", "sparse attention", "neural architecture search", "self-supervised pretraining",
    "reinforcement learning", "normalizing flow", "variational autoencoder", "vision transformer",
    "retrieval-augmented generation", "meta-learning", "data augmentation", "pruning", "quantization",
    "federated learning", "equivariant network", "state space model", "energy-based model", "neural ODE",
    "capsule network", "GAN", "implicit neural representation", "low-rank adaptation", "curriculum learning",
]  # fmt: skip
TASKS = [
    "image classification", "machine translation", "protein folding", "speech recognition", "object detection",
    "text summarization", "theorem proving", "video generation", "anomaly detection", "drug discovery",
    "weather forecasting", "semantic segmentation", "question answering", "code generation", "robot manipulation",
    "recommendation", "time-series forecasting", "3D reconstruction", "music generation", "medical imaging",
    "pose estimation", "dialogue", "image super-resolution", "molecule generation", "game playing",
]  # fmt: skip
DATASETS = [
    "ImageNet", "COCO", "CIFAR-10", "WMT'14 En-De", "SQuAD 2.0", "LibriSpeech", "Kinetics-400", "GLUE",
    "MS MARCO", "Atari 57", "ADE20K", "HumanEval", "Cityscapes", "ShapeNet", "MIMIC-III", "QM9",
]  # fmt: skip
HEADLINE_VERBS = [
    "Faster", "Scaling", "Rethinking", "Improving", "Learning", "Simplifying", "Stabilizing", "Compressing",
    "Explaining", "Accelerating", "Revisiting", "Unifying",
]  # fmt: skip
ADJECTIVES = [
    "efficient", "robust", "scalable", "lightweight", "data-efficient", "interpretable", "unified", "simple",
    "adaptive", "hierarchical", "memory-efficient", "calibrated",
]  # fmt: skip
TECHNIQUES = [
    "token pruning", "learned positional encodings", "stochastic depth", "self-training", "dynamic routing",
    "masked modeling", "progressive growing", "cross-attention", "weight sharing", "test-time adaptation",
]  # fmt: skip
NAME_HEADS = ["Sparse", "Meta", "Dyna", "Flash", "Omni", "Hyper", "Neuro", "Graph", "Deep", "Auto", "Mega", "Tiny"]
NAME_TAILS = ["Former", "Net", "GAN", "Flow", "BERT", "Diff", "Mix", "Seg", "Det", "RL", "Fold", "Speech"]
TOPICS = [
    "computer vision", "NLP", "reinforcement learning", "GAN", "Transformer", "self-supervised learning",
    "graph neural networks", "healthcare", "robotics", "speech", "audio", "theory", "optimization", "efficiency",
    "AutoML", "explainability (XAI)", "fairness", "privacy / federated learning", "3D vision", "video",
    "time series", "neuroscience", "conference", "dataset", "benchmark", "compression", "distillation",
    "few-shot learning", "meta-learning", "contrastive learning", "diffusion models", "large language models",
    "multimodal", "recommendation", "anomaly detection", "object detection", "segmentation", "pose estimation",
    "drug discovery", "materials science", "weather / climate", "finance", "autonomous driving", "education",
    "tools", "course", "MLOps", "hardware", "code generation", "biology",
]  # fmt: skip
FIRST_NAMES = [
    "Akira", "Yuki", "Wei", "Li", "Maria", "John", "Aisha", "Lucas", "Sofia", "Hiroshi", "Chen", "Anna", "David",
    "Priya", "Kenji", "Elena", "Omar", "Sarah", "Jun", "Mateo", "Hana", "Ivan", "Fatima", "Noah",
]  # fmt: skip
LAST_NAMES = [
    "Tanaka", "Wang", "Zhang", "Garcia", "Smith", "Khan", "Müller", "Rossi", "Suzuki", "Liu", "Kim", "Patel",
    "Nguyen", "Ivanova", "Sato", "Brown", "Chen", "Dubois", "Yamamoto", "Silva", "Kowalski", "Ito",
]  # fmt: skip
INSTITUTIONS = [
    "Google Research", "DeepMind", "MIT", "Stanford University", "University of Tokyo", "Tsinghua University",
    "Meta AI", "Microsoft Research", "ETH Zurich", "Mila", "OpenAI", "Preferred Networks", "KAIST",
    "University of Oxford", "RIKEN AIP", "Carnegie Mellon University",
]  # fmt: skip
COMPANIES = [
    "Viz.ai", "a regional hospital network", "Ocado", "John Deere", "Spotify", "a Japanese insurer", "Zipline",
    "the city of Helsinki", "Siemens", "Rakuten", "an Australian utility", "Duolingo",
]  # fmt: skip
ARTICLE_HOSTS = [
    "medium.com/@{user}", "towardsdatascience.com", "ai.googleblog.com/{year}/{month}", "openai.com/blog",
    "thegradient.pub", "distill.pub/{year}", "www.technologyreview.com/{year}/{month}/{day}", "lilianweng.github.io",
]  # fmt: skip
NEWS_HOSTS = [
    "www.prnewswire.com/news-releases", "techcrunch.com/{year}/{month}/{day}", "www.reuters.com/technology",
    "venturebeat.com/ai", "www.theverge.com/{year}/{month}/{day}", "www.nikkei.com/article",
]  # fmt: skip
USERS = ["akira", "mlfan", "deepdive", "papers-daily", "kaggle-gm", "labnotes", "gradstudent", "ml-ops"]

EN_OPENERS = {
    "paper": [
        "This paper proposes *{name}*, a {method} that tackles {task} without {resource}.",
        "The authors introduce *{name}*, which applies {technique} to {task}.",
        "A study of why {method} works so well for {task}, with a simple fix for its main failure mode.",
    ],
    "article": [
        "A long-form article on how {method} is used for {task} in practice, with code along the way.",
        "This blog post walks through {technique} step by step and explains when it helps {task}.",
    ],
    "use_case": [
        "{company} now uses a {method} for {task}, in production since last quarter.",
        "{company} reports that a {method} cut the time spent on {task} by {pct}%.",
    ],
    "other": [
        "A new open-source library for {task} built around {method}, with pretrained weights.",
        "A free course on {method}, from the basics to {task}, with exercises in notebooks.",
        "The call for papers of a workshop on {task} and {method} is out.",
    ],
}
EN_SENTENCES = [
    "The key idea is to use {technique}, which lets the model {benefit}.",
    "On {dataset} it reaches {score}% accuracy, {delta} points above the previous best, with {k}x less compute.",
    "Unlike earlier work it needs no {resource}; training takes {hours} hours on {gpus} GPUs.",
    "The authors also show that {finding}.",
    "An ablation shows that `{param}` matters most: without it the score drops by {delta} points.",
    "Results hold across {count} datasets, and the gains are largest when labels are scarce.",
    "The method is *{adjective}* and drops into existing pipelines with a few lines of code.",
    "Compared with a plain {method2}, it can {benefit} while keeping the same number of parameters.",
]
EN_LINKS = [
    "Code is available on [GitHub](https://github.com/{user}/{repo}).",
    "See also the project page: <https://{user}.github.io/{repo}/>.",
    "A short video explains it: [YouTube](https://www.youtube.com/watch?v={video}).",
]
BENEFITS = [
    "generalize to unseen domains", "train in half the time", "run on a phone", "use far less memory",
    "scale to millions of examples", "stay stable at large learning rates", "explain its own predictions",
]  # fmt: skip
FINDINGS = [
    "bigger models are more sample-efficient", "the gains vanish without pretraining",
    "simple baselines were under-tuned in earlier papers", "the learned features transfer to {task}",
    "the errors concentrate on rare classes",
]  # fmt: skip
RESOURCES = ["labeled data", "extra parameters", "a teacher model", "hand-made features", "large batches"]
PARAMS = ["temperature", "warmup_steps", "mask_ratio", "num_experts", "top_k", "dropout"]
JA_SENTENCES = [
    "本論文では、{method}を用いて{task}を行う手法*{name}*を提案する。",
    "{dataset}で従来手法を{delta}ポイント上回り、計算量は{k}分の1である。",
    "{technique}により、ラベルなしデータでも学習できる。",
    "著者らは、{finding_ja}ことも示している。",
]
ZH_SENTENCES = [
    "本文提出了*{name}*\uff0c一种基于{method}的{task}方法。",
    "在{dataset}上比以往最好的方法高出{delta}个百分点\uff0c计算量仅为原来的{k}分之一。",
    "借助{technique}\uff0c模型无需大量标注数据即可训练。",
]
FINDINGS_JA = [
    "モデルが大きいほどデータ効率が良い",
    "事前学習なしでは効果が消える",
    "単純なベースラインが過小評価されていた",
]
INTROS = [
    "This week's digest covers {count} items. Highlights: {topic_a} and {topic_b}.",
    "A busy week for {topic_a}; also a new dataset and a free course.",
    "Welcome back! {count} entries this week, most of them on {topic_a}.",
]


@dataclass
class Archive:
    root: Path
    entries: dict[str, dict[str, Any]]
    edit_key: str
    weeks: int
    files: int
    bytes: int
    seconds: float


@dataclass
class Measure:
    size: int
    command: str
    seconds: float | None = None
    cpu_user: float | None = None
    cpu_system: float | None = None
    rss_mb: float | None = None
    exit_code: int | None = None
    note: str = ""


@dataclass
class SizeRun:
    size: int
    archive: Archive
    measures: list[Measure] = field(default_factory=list)
    floor: float | None = None


# ---------------------------------------------------------------- the archive


def _token(rng: random.Random, length: int, alphabet: str = "abcdefghijklmnopqrstuvwxyz0123456789") -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].rstrip("-") or "entry"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,.;:") + "…"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class Generator:
    """Entries for one archive, deterministic from the seed and the size."""

    def __init__(self, size: int, seed: int) -> None:
        self.size = size
        self.rng = random.Random(f"{seed}:{size}")
        self.weeks = min(MAX_WEEKS, max(1, math.ceil(size / PER_WEEK)))
        self.arxiv_next: dict[str, int] = {}
        self.issue_number = 0

    def _fields(self, kind: str) -> dict[str, str]:
        rng = self.rng
        name = rng.choice(NAME_HEADS) + rng.choice(NAME_TAILS)
        return {
            "name": name,
            "method": rng.choice(METHODS),
            "method2": rng.choice(METHODS),
            "task": rng.choice(TASKS),
            "dataset": rng.choice(DATASETS),
            "technique": rng.choice(TECHNIQUES),
            "resource": rng.choice(RESOURCES),
            "benefit": rng.choice(BENEFITS),
            "finding": rng.choice(FINDINGS).format(task=rng.choice(TASKS)),
            "finding_ja": rng.choice(FINDINGS_JA),
            "param": rng.choice(PARAMS),
            "adjective": rng.choice(ADJECTIVES),
            "company": rng.choice(COMPANIES),
            "score": f"{rng.uniform(60, 99):.1f}",
            "delta": f"{rng.uniform(0.3, 9.5):.1f}",
            "pct": str(rng.randint(10, 80)),
            "k": str(rng.randint(2, 20)),
            "hours": str(rng.randint(2, 96)),
            "gpus": str(rng.choice([1, 4, 8, 16, 64, 256])),
            "count": str(rng.randint(3, 12)),
            "user": rng.choice(USERS),
            "repo": _slug(name),
            "video": _token(rng, 11, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"),
            "kind": kind,
        }

    def _english(self, kind: str, words: dict[str, str]) -> str:
        rng = self.rng
        sentences = [rng.choice(EN_OPENERS[kind])]
        sentences += rng.sample(EN_SENTENCES, rng.randint(2, 6))
        if rng.random() < 0.3:
            sentences.append(rng.choice(EN_LINKS))
        sentences = [_capital(sentence.format(**words)) for sentence in sentences]
        shape = rng.random()
        if shape < 0.12 and len(sentences) >= 4:  # a paragraph, then a list
            points = [sentence.rstrip(".") for sentence in sentences[1:4]]
            return " ".join([sentences[0], *sentences[4:]]) + "\n\n" + "\n".join(f"- {point}" for point in points)
        if shape < 0.35 and len(sentences) >= 3:  # two paragraphs
            cut = len(sentences) // 2
            return " ".join(sentences[:cut]) + "\n\n" + " ".join(sentences[cut:])
        return " ".join(sentences)

    def _summary(self, kind: str, words: dict[str, str]) -> str | dict[str, str]:
        english = self._english(kind, words)
        roll = self.rng.random()
        if roll < 0.08:
            return {"en": english, "ja": self._other_language(JA_SENTENCES, words, "")}
        if roll < 0.11:
            return {
                "en": english,
                "ja": self._other_language(JA_SENTENCES, words, ""),
                "zh": self._other_language(ZH_SENTENCES, words, ""),
            }
        return english

    def _other_language(self, pool: list[str], words: dict[str, str], joiner: str) -> str:
        return joiner.join(sentence.format(**words) for sentence in self.rng.sample(pool, self.rng.randint(2, 3)))

    def _arxiv_url(self, submitted: dt.date) -> str:
        rng = self.rng
        yymm = f"{submitted.year % 100:02d}{submitted.month:02d}"
        number = self.arxiv_next.get(yymm, rng.randint(100, 3000)) + rng.randint(1, 40)
        self.arxiv_next[yymm] = number
        identifier = f"{yymm}.{number:05d}"
        roll = rng.random()
        if roll < 0.80:
            return f"https://arxiv.org/abs/{identifier}"
        if roll < 0.88:
            return f"https://arxiv.org/abs/{identifier}v{rng.randint(2, 4)}"
        if roll < 0.95:
            return f"https://arxiv.org/pdf/{identifier}.pdf"
        return f"http://arxiv.org/abs/{identifier}"

    def _paper_url(self, number: int, submitted: dt.date, words: dict[str, str]) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.85:
            return self._arxiv_url(submitted)
        if roll < 0.90:
            return f"https://openreview.net/forum?id={_token(rng, 6)}{number:04d}"
        if roll < 0.94:
            return f"https://doi.org/10.1038/s41586-{submitted.year % 100:03d}-{number:05d}-{rng.randint(0, 9)}"
        if roll < 0.97:
            return f"https://proceedings.mlr.press/v{rng.randint(97, 235)}/{_slug(words['name'])}{number}.html"
        return f"https://aclanthology.org/{submitted.year}.acl-long.{number}/"

    def _page_url(self, number: int, hosts: list[str], day: dt.date, headline: str, words: dict[str, str]) -> str:
        host = self.rng.choice(hosts).format(
            user=words["user"], year=day.year, month=f"{day.month:02d}", day=f"{day.day:02d}"
        )
        return f"https://{host}/{_slug(headline)[:40]}-{number:x}"

    def _other_url(self, number: int, headline: str, words: dict[str, str]) -> str | None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.10:
            return None
        if roll < 0.50:
            return f"https://github.com/{words['user']}/{words['repo']}-{number}"
        if roll < 0.75:
            return f"https://www.youtube.com/watch?v={_token(rng, 7)}{number:04x}"
        return f"https://www.coursera.org/learn/{_slug(headline)[:30]}-{number}"

    def _headline(self, kind: str, words: dict[str, str]) -> str:
        rng = self.rng
        if kind == "paper":
            pattern = rng.choice(
                [
                    "{verb} {task} with {method}",
                    "{name}: {adjective} {method} for {task}",
                    "A {adjective} {method} beats the state of the art on {dataset}",
                    "What {method} learns about {task}",
                ]
            )
        elif kind == "use_case":
            pattern = rng.choice(["{company} brings {method} to {task}", "AI for {task} at {company}"])
        else:
            pattern = rng.choice(["A practical guide to {method}", "{name}: a toolkit for {task}", "{verb} {task}"])
        return _capital(pattern.format(verb=rng.choice(HEADLINE_VERBS), **words))

    def _title(self, words: dict[str, str]) -> str:
        rng = self.rng
        words_title = f"{rng.choice(ADJECTIVES)} {rng.choice(METHODS)} for {words['task']} via {words['technique']}"
        return f"{words['name']}: " + " ".join(_capital(word) for word in words_title.split())

    def _authors(self) -> list[str]:
        rng = self.rng
        authors = []
        for _ in range(rng.randint(1, 8)):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            authors.append(f"{name} ({rng.choice(INSTITUTIONS)})" if rng.random() < 0.5 else name)
        return authors

    def _images(self, key: str) -> list[dict[str, str]]:
        rng = self.rng
        images = []
        for index in range(rng.randint(1, 3)):
            if rng.random() < 0.8:
                user, name = rng.randint(10**6, 10**8), _token(rng, 32, "0123456789abcdef")
                src = f"https://user-images.githubusercontent.com/{user}/{name}.png"
            else:
                src = f"images/{key}-{index + 1}.png"
            image = {"src": src, "alt": f"Figure {index + 1} of the paper"}
            if rng.random() < 0.4:
                image["caption"] = f"Figure {index + 1}: results on {rng.choice(DATASETS)}."
            images.append(image)
        return images

    def entries(self) -> Iterator[tuple[str, Week, dict[str, Any]]]:
        """``(key, week, data)`` per entry, in file-name order (oldest week first), keys in the schema's order."""
        rng = self.rng
        weeks = [FIRST_WEEK]
        while len(weeks) < self.weeks:
            weeks.append(weeks[-1].next())
        placed = sorted(rng.randrange(self.weeks) for _ in range(self.size))
        width = max(4, len(str(self.size)))
        kinds = ["paper", "article", "use_case", "other"]
        for number, week_index in enumerate(placed, start=1):
            week = weeks[week_index]
            kind = rng.choices(kinds, weights=[70, 12, 10, 8])[0]
            words = self._fields(kind)
            headline = self._headline(kind, words)
            key = f"{number:0{width}d}-{_slug(headline)}"
            day = week.start + dt.timedelta(days=rng.randint(0, 6))
            submitted = max(week.end - dt.timedelta(days=rng.randint(0, 25)), dt.date(2015, 1, 1))
            roll = rng.random()
            status = "inbox" if roll < 0.06 else "published" if roll < 0.10 else "skip" if roll < 0.12 else None
            data: dict[str, Any] = {"kind": kind}
            if status:
                data["status"] = status
            data["headline"] = headline
            if kind == "paper":
                if rng.random() < 0.85:
                    data["title"] = self._title(words)
                data["url"] = self._paper_url(number, submitted, words)
            elif kind == "article":
                data["url"] = self._page_url(number, ARTICLE_HOSTS, day, headline, words)
            elif kind == "use_case":
                data["url"] = self._page_url(number, NEWS_HOSTS, day, headline, words)
            else:
                url = self._other_url(number, headline, words)
                if url:
                    data["url"] = url
            if not (status == "inbox" and rng.random() < 0.4):  # an inbox entry may not have its summary yet
                data["summary"] = self._summary(kind, words)
            if kind == "paper" and rng.random() < 0.4:
                data["images"] = self._images(key)
            if kind != "paper" and "url" in data and rng.random() < 0.8:
                data["link_card"] = {
                    "title": headline,
                    "description": _shorten(self._english(kind, words).split("\n")[0], 120),
                    "site": data["url"].split("/")[2],
                }
            data["topics"] = rng.sample(TOPICS, rng.randint(1, 4))
            if kind == "paper" and rng.random() < 0.7:
                data["authors"] = self._authors()
                data["submitted"] = submitted.isoformat()
            if rng.random() < 0.1:
                data["date"] = day.isoformat()
            else:
                data["week"] = week.id
            if rng.random() < 0.05:
                data["pick"] = True
            if rng.random() < 0.03:
                data["notes"] = {"Comments": f"Accepted at {rng.choice(['NeurIPS', 'ICML', 'ICLR', 'CVPR'])}."}
            if rng.random() < 0.3:
                self.issue_number += 1
                stamp = dt.datetime.combine(day, dt.time(rng.randint(0, 23), rng.randint(0, 59)))
                data["issue"] = {
                    "number": self.issue_number,
                    "url": f"https://github.com/AkiraTOSEI/ML_papers/issues/{self.issue_number}",
                    "state": "closed" if status != "inbox" else "open",
                    "updated_at": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            yield key, week, data

    def digest(self, week: Week, keys: list[str]) -> dict[str, Any]:
        rng = self.rng
        topic_a, topic_b = rng.sample(TOPICS, 2)
        data: dict[str, Any] = {"week": week.id}
        if rng.random() < 0.2:
            data["title"] = f"Akira's ML News #Week {week.number}, {week.year}: {topic_a}"
        data["intro"] = rng.choice(INTROS).format(count=len(keys), topic_a=topic_a, topic_b=topic_b)
        if rng.random() < 0.3:
            data["outro"] = (
                "Thanks for reading! Feedback is welcome in the [issues](https://github.com/AkiraTOSEI/ML_papers/issues)."
            )
        data["order"] = keys[: rng.randint(1, min(3, len(keys)))]
        return data


def _shown(data: dict[str, Any]) -> bool:
    return data.get("status", "selected") in ("selected", "published")


def write_archive(root: Path, size: int, seed: int) -> Archive:
    started = time.perf_counter()
    issues = root / "issues"
    (issues / "digests").mkdir(parents=True)
    shutil.copyfile(ROOT / "ghdigest.yml", root / "ghdigest.yml")
    generator = Generator(size, seed)
    entries: dict[str, dict[str, Any]] = {}
    by_week: dict[Week, list[str]] = {}
    total = (root / "ghdigest.yml").stat().st_size
    for key, week, data in generator.entries():
        text = dump(data)
        (issues / f"{key}.yml").write_text(text, encoding="utf-8")
        total += len(text.encode())
        entries[key] = data
        if _shown(data):
            by_week.setdefault(week, []).append(key)
    files = len(entries) + 1
    for week, keys in sorted(by_week.items()):
        if generator.rng.random() < 0.125:
            text = dump(generator.digest(week, keys))
            (issues / "digests" / f"{week.id}.yml").write_text(text, encoding="utf-8")
            total += len(text.encode())
            files += 1
    candidates = [key for key, data in entries.items() if _shown(data) and isinstance(data.get("summary"), str)]
    edit_key = candidates[len(candidates) // 2]
    return Archive(root, entries, edit_key, generator.weeks, files, total, time.perf_counter() - started)


def edit_one(archive: Archive) -> None:
    """Change one selected entry's summary, as an editor would, and save it in the canonical form."""
    data = dict(archive.entries[archive.edit_key])
    data["summary"] = data["summary"] + " Update: the authors released a second version with more experiments."
    archive.entries[archive.edit_key] = data
    (archive.root / "issues" / f"{archive.edit_key}.yml").write_text(dump(data), encoding="utf-8")


# ---------------------------------------------------------------- measuring


def _ghdigest_command() -> list[str] | None:
    beside = Path(sys.executable).parent / "ghdigest"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("ghdigest")
    return [found] if found else None


def _floor_problem() -> str | None:
    try:
        import yaml
    except ImportError:
        return "PyYAML is not installed (pip install pyyaml): no floor"
    if not getattr(yaml, "__with_libyaml__", False) or not hasattr(yaml, "CSafeLoader"):
        return "PyYAML has no libyaml (CSafeLoader): no floor"
    return None


def _env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("GITHUB_ACTIONS", "CI")}
    env["NO_COLOR"] = "1"
    return env


def run_measured(command: list[str], cwd: Path, log: Path) -> tuple[float, float, int, float, float]:
    """Wall seconds, peak RSS (MB), exit code, and user and system CPU seconds of ``command`` (its
    worker processes included); its output goes to ``log``."""
    # Files written by the step before (the archive itself, an earlier build) are flushed first,
    # so their write-back is not billed to this command.
    if hasattr(os, "sync"):
        os.sync()
    with log.open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=_env(), stdin=subprocess.DEVNULL, stdout=sink, stderr=sink)
        timer = threading.Timer(RUN_TIMEOUT, process.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in KB on Linux; the CPU times include the worker processes the command waited for.
    return seconds, usage.ru_maxrss / 1024, process.returncode, usage.ru_utime, usage.ru_stime


def _tail(path: Path, lines: int = 3) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:] if line.strip())


def measure_size(size: int, work: Path, seed: int, ghdigest: list[str], floor_problem: str | None) -> SizeRun:
    for name in ("archive", "dist", "admin", "logs"):
        shutil.rmtree(work / f"{name}-{size}", ignore_errors=True)
    root, out, admin, logs = (work / f"{name}-{size}" for name in ("archive", "dist", "admin", "logs"))
    logs.mkdir(parents=True)
    print(f"{size} entries: writing the archive ...", flush=True)
    archive = write_archive(root, size, seed)
    print(
        f"{size} entries: {archive.files} files, {archive.bytes / 1e6:.1f} MB over {archive.weeks} weeks, "
        f"written in {archive.seconds:.1f}s",
        flush=True,
    )
    run = SizeRun(size, archive)
    cache = root / ".ghdigest"

    def step(label: str, command: list[str], slug: str) -> Measure:
        print(f"{size} entries: {label} ...", flush=True)
        measure = Measure(size, label)
        log = logs / f"{slug}.log"
        try:
            measure.seconds, measure.rss_mb, measure.exit_code, measure.cpu_user, measure.cpu_system = run_measured(
                command, work, log
            )
        except OSError as exc:
            measure.note = f"could not start: {exc}"
        else:
            if measure.exit_code != 0:
                measure.note = _tail(log)
        run.measures.append(measure)
        return measure

    if floor_problem is None:
        floor = step("floor: PyYAML C loader", [sys.executable, "-c", FLOOR_SCRIPT, str(root)], "floor")
        run.floor = floor.seconds if floor.exit_code == 0 else None
    shutil.rmtree(cache, ignore_errors=True)
    validate = step("validate (cold)", [*ghdigest, "validate", str(root)], "validate")
    text = (logs / "validate.log").read_text(encoding="utf-8", errors="replace")
    errors, warnings = text.count(": error:"), text.count(": warning:")
    if errors or warnings:
        validate.note = f"{errors} errors, {warnings} warnings" + (f": {validate.note}" if validate.note else "")
    shutil.rmtree(cache, ignore_errors=True)
    step("build (cold)", [*ghdigest, "build", str(root), "--out", str(out)], "build-cold")
    edit_one(archive)
    step("build (after one edit)", [*ghdigest, "build", str(root), "--out", str(out)], "build-edit")
    step("fmt --check", [*ghdigest, "fmt", str(root), "--check"], "fmt")
    step("cms decap", [*ghdigest, "cms", "decap", str(root), "--out", str(admin)], "cms")
    return run


# ---------------------------------------------------------------- report


def _ratio(seconds: float | None, floor: float | None) -> float | None:
    return seconds / floor if seconds is not None and floor else None


def _fmt(value: float | None, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def print_report(runs: list[SizeRun], floor_problem: str | None) -> None:
    print()
    if floor_problem:
        print(f"note: {floor_problem}")
    print(
        f"{'entries':>7}  {'command':<24} {'seconds':>8} {'x floor':>8} {'CPU user':>8} {'CPU sys':>8}"
        f" {'peak RSS MB':>11} {'exit':>4}  note"
    )
    for run in runs:
        for m in run.measures:
            ratio = _fmt(_ratio(m.seconds, run.floor), ".2f")
            code = "-" if m.exit_code is None else m.exit_code
            print(
                f"{m.size:>7}  {m.command:<24} {_fmt(m.seconds, '.2f'):>8} {ratio:>8}"
                f" {_fmt(m.cpu_user, '.2f'):>8} {_fmt(m.cpu_system, '.2f'):>8}"
                f" {_fmt(m.rss_mb, '.0f'):>11} {code:>4}  {m.note}"
            )
    print(
        "(CPU: seconds of all the command's processes; system time goes mostly to creating files, and on "
        "ext4 it grows with how many files were deleted shortly before)"
    )
    _print_targets(runs)
    _print_growth(runs)


def _find(run: SizeRun, command: str) -> Measure | None:
    return next((m for m in run.measures if m.command == command), None)


def _print_targets(runs: list[SizeRun]) -> None:
    run = next((r for r in runs if r.size == TARGET_SIZE), max(runs, key=lambda r: r.size))
    print()
    scope = "" if run.size == TARGET_SIZE else f" (no {TARGET_SIZE:,} run: checked at the largest size)"
    print(f"targets at {run.size:,} entries{scope}:")
    for command, limit in (("build (cold)", 3.0), ("build (after one edit)", 1.0), ("validate (cold)", 2.0)):
        m = _find(run, command)
        ratio = _ratio(m.seconds if m else None, run.floor)
        verdict = "unknown" if ratio is None else "met" if ratio <= limit else "NOT met"
        print(f"  {command:<24} <= {limit:g}x floor: {_fmt(ratio, '.2f')}x -> {verdict}")
    measured = [m for m in run.measures if m.rss_mb is not None and not m.command.startswith("floor")]
    if measured:
        peak = max(measured, key=lambda m: m.rss_mb or 0.0)
        verdict = "met" if (peak.rss_mb or 0.0) <= TARGET_RSS_MB else "NOT met"
        print(f"  peak RSS <= {TARGET_RSS_MB:.0f} MB: {peak.rss_mb:.0f} MB ({peak.command}) -> {verdict}")


def _print_growth(runs: list[SizeRun]) -> None:
    ordered = sorted(runs, key=lambda r: r.size)
    if len(ordered) < 2:
        return
    print()
    print(
        "growth: ms per entry at each size; marginal ms per entry between consecutive sizes; "
        "linear when the last marginal is at most 1.2x the ms per entry at the largest size"
    )
    for command in [m.command for m in ordered[-1].measures]:
        points = [(r.size, m.seconds) for r in ordered if (m := _find(r, command)) and m.seconds is not None]
        if len(points) < 2:
            continue
        per_entry = [1000 * seconds / size for size, seconds in points]
        slopes = [1000 * (t2 - t1) / (n2 - n1) for (n1, t1), (n2, t2) in itertools.pairwise(points)]
        marginal = ", ".join(f"{slope:.2f}" for slope in slopes)
        if max(abs(slope) for slope in slopes) < FLAT_MS:
            verdict = "flat: does not depend on the entries"
        elif slopes[-1] <= 0:
            verdict = "unclear (noise)"
        else:
            # A fixed start-up cost makes the time per entry fall as the archive grows while the
            # marginal stays put; growth faster than linear makes the marginal overtake it.
            growth = slopes[-1] / per_entry[-1]
            verdict = (
                f"{'linear' if growth <= LINEAR_SLACK else 'SUPERLINEAR'} "
                f"(last marginal / ms per entry at {points[-1][0]:,}: {growth:.2f})"
            )
        per_entry_text = ", ".join(f"{value:.2f}" for value in per_entry)
        print(f"  {command:<24} per entry [{per_entry_text}]  marginal [{marginal}]  -> {verdict}")


# ---------------------------------------------------------------- main


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("expected sizes like 1000,5000,10000") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("expected positive sizes")
    return sizes


@contextmanager
def _workdir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep.resolve()
        print(f"kept {keep}")
        return
    work = Path(tempfile.mkdtemp(prefix="ghdigest-archivebench-"))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, help="entries per archive, comma-separated (default 1000,5000,10000)")
    parser.add_argument("--quick", action="store_true", help="a small run: sizes 200,1000")
    parser.add_argument("--seed", type=int, default=1, help="the archives are deterministic from it")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="write archives, outputs and logs here; keep them")
    args = parser.parse_args()
    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    ghdigest = _ghdigest_command()
    if ghdigest is None:
        parser.error("no ghdigest executable beside this Python or on PATH")
    floor_problem = _floor_problem()
    started = time.perf_counter()
    with _workdir(args.keep) as work:
        runs = [measure_size(size, work, args.seed, ghdigest, floor_problem) for size in sorted(sizes)]
    print_report(runs, floor_problem)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"\nbenchmark took {time.perf_counter() - started:.0f}s (seed {args.seed}, {sys.executable}, {cpus} CPU(s))")


if __name__ == "__main__":
    main()
