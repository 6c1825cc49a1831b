"""The training data (read-only). By default a synthetic corpus from the fixed source in source.py;
with NIGHTSHIFT_DATA=file.txt, the user's UTF-8 text. Characters (Unicode code points) are the
tokens. Nothing here depends on NIGHTSHIFT_SEED or on train.py. The same data as the TensorFlow.js
sandbox's prepare.ts, character for character.

Run as a script (nightshift.json "prepare"), it saves the corpus into NIGHTSHIFT_CACHE, once
for the whole session: making the synthetic corpus takes about a second of pure Python, which every
run would otherwise spend before its first step. train.py reads it from there when it is there.

The validation text is not here: the evaluation builds it (evaluate.py, which training never
sees). For synthetic data it is a separate stream of the source; for user text it is the last
tenth of the file (at most VAL_CHARS), so the training text here is everything before it.
"""
import json
import os
from array import array
from dataclasses import dataclass

import nightshift as ns
from nightshift import UsageError
from source import load_default_source, sample

TRAIN_CHARS = 2_000_000
VAL_CHARS = 16_384
MIN_USER_CHARS = 4096
# A fixed source seed: the corpus is the same for every run and every NIGHTSHIFT_SEED.
TRAIN_STREAM_SEED = 20_240_601


@dataclass
class TrainingData:
    vocab: list  # token id -> character
    train: list  # token ids
    origin: str  # 'synthetic' or the user's file path
    cached: bool = False  # read from the session's cache (NIGHTSHIFT_CACHE) rather than made now


def encode(chars, vocab):
    index = {c: i for i, c in enumerate(vocab)}
    return [index[c] for c in chars]


def read_user_text(path):
    """The user's file as a list of characters, or a UsageError saying why it cannot be used."""
    if not os.path.isfile(path):
        raise UsageError(f"NIGHTSHIFT_DATA={path} is not a file" if os.path.exists(path) else f"NIGHTSHIFT_DATA={path} cannot be read (ENOENT)")
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise UsageError(f"NIGHTSHIFT_DATA={path} cannot be read ({e.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"NIGHTSHIFT_DATA={path} is not valid UTF-8 text") from None
    chars = list(text)
    if not chars:
        raise UsageError(f"NIGHTSHIFT_DATA={path} is empty")
    if len(chars) < MIN_USER_CHARS:
        raise UsageError(
            f"NIGHTSHIFT_DATA={path} has {len(chars)} characters; at least {MIN_USER_CHARS} are needed "
            "to split it into training and validation text"
        )
    return chars


def user_split(chars):
    """Where the user's validation text starts: the last tenth, at most VAL_CHARS characters."""
    return len(chars) - min(VAL_CHARS, len(chars) // 10)


def user_vocab(chars):
    """Every character of the file, validation included, so the model can name each one."""
    return sorted(set(chars))


def synthetic_training():
    source = load_default_source()
    return TrainingData(source.alphabet, encode(sample(source, TRAIN_STREAM_SEED, TRAIN_CHARS), source.alphabet), "synthetic")


def user_training(path):
    chars = read_user_text(path)
    vocab = user_vocab(chars)
    return TrainingData(vocab, encode(chars[:user_split(chars)], vocab), path)


CACHE_META = "corpus.json"
CACHE_IDS = "corpus.bin"


def save_corpus(data, cache_dir):
    """Saves the corpus into cache_dir: its token ids as this machine's int32 (the session's runs share it), the rest as JSON."""
    with open(os.path.join(cache_dir, CACHE_IDS), "wb") as f:
        array("i", data.train).tofile(f)
    with open(os.path.join(cache_dir, CACHE_META), "w", encoding="utf-8") as f:
        json.dump({"origin": data.origin, "vocab": data.vocab, "length": len(data.train)}, f)


def saved_corpus(cache_dir, origin):
    """The corpus saved in cache_dir for this origin, or None when there is none (or one of another corpus)."""
    meta_file = os.path.join(cache_dir, CACHE_META)
    if not os.path.isfile(meta_file):
        return None
    with open(meta_file, encoding="utf-8") as f:
        meta = json.load(f)
    if meta["origin"] != origin:
        return None
    ids = array("i")
    with open(os.path.join(cache_dir, CACHE_IDS), "rb") as f:
        ids.frombytes(f.read())
    if len(ids) != meta["length"]:
        raise ValueError(f"{CACHE_IDS} in {cache_dir} holds {len(ids)} ids, {CACHE_META} says {meta['length']}")
    return TrainingData(meta["vocab"], ids.tolist(), origin, cached=True)


def load_training(data_path, cache_dir=None):
    """The training data: from the session's cache when given and it holds this corpus, else made now."""
    saved = None if cache_dir is None else saved_corpus(cache_dir, data_path or "synthetic")
    if saved is not None:
        return saved
    return synthetic_training() if data_path is None else user_training(data_path)


def prepare():
    env = ns.read_env()
    if env.cache_dir is None:
        raise UsageError("NIGHTSHIFT_CACHE is not set: prepare.py saves the corpus there for the runs of a session")
    save_corpus(load_training(env.data_path), env.cache_dir)


if __name__ == "__main__":
    ns.run_main("prepare.py", prepare)
