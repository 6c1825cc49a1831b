"""The data (read-only). By default a synthetic corpus from the fixed source in source.py; with
NIGHTSHIFT_DATA=file.txt, the user's UTF-8 text. Characters (Unicode code points) are the
tokens. The validation text is fixed: it never depends on NIGHTSHIFT_SEED or on train.py.
The same data as the TensorFlow.js sandbox's prepare.ts, character for character.

Validation = `val` (the scored characters) preceded by `val_context` (characters a model may
read as context for the first scored ones, never scored):
- synthetic: a separate stream of CONTEXT_CHARS + VAL_CHARS characters from the source, so the
  floor is the source's exact code length of `val` given `val_context`;
- user text: `val` is the last tenth of the file (at most VAL_CHARS) and `val_context` the
  CONTEXT_CHARS before it; training text is everything before `val`.
"""
import os
from dataclasses import dataclass

from protocol import UsageError
from source import Source, load_default_source, sample

TRAIN_CHARS = 2_000_000
CONTEXT_CHARS = 1024
VAL_CHARS = 16_384
MIN_USER_CHARS = 4096
# Fixed source seeds: the corpus is the same for every run and every NIGHTSHIFT_SEED.
TRAIN_STREAM_SEED = 20_240_601
VAL_STREAM_SEED = 20_240_602


@dataclass
class Dataset:
    vocab: list  # token id -> character
    train: list  # token ids
    val_context: list
    val: list
    source: Source | None  # the generating source when synthetic (then the floor is known)
    origin: str  # 'synthetic' or the user's file path


def _encode(chars, vocab):
    index = {c: i for i, c in enumerate(vocab)}
    return [index[c] for c in chars]


def synthetic_data():
    source = load_default_source()
    train = sample(source, TRAIN_STREAM_SEED, TRAIN_CHARS)
    stream = sample(source, VAL_STREAM_SEED, CONTEXT_CHARS + VAL_CHARS)
    v = source.alphabet
    return Dataset(v, _encode(train, v), _encode(stream[:CONTEXT_CHARS], v), _encode(stream[CONTEXT_CHARS:], v), source, "synthetic")


def user_data(path):
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
    val_length = min(VAL_CHARS, len(chars) // 10)
    split = len(chars) - val_length
    vocab = sorted(set(chars))
    return Dataset(
        vocab,
        _encode(chars[:split], vocab),
        _encode(chars[max(0, split - CONTEXT_CHARS):split], vocab),
        _encode(chars[split:], vocab),
        None,
        path,
    )


def load_data(data_path):
    return synthetic_data() if data_path is None else user_data(data_path)
