"""Declarative description of slimlm's fixture models.

Each entry says which architecture, tokenizer and dimensions a fixture has and how long it
is trained. tools/train_fixture.py turns an entry into a Hugging Face checkpoint folder under
models/<name>; tools/make_goldens.py reads the same table for the prompts it uses.

The three fixtures differ on purpose, so that the C++ code meets the variants real
checkpoints have:
  tiny-llama      Llama, GQA 4/2, head_dim 64, untied lm_head, Llama-3 style byte-level BPE
                  (split regex + ByteLevel, ignore_merges, BOS added by the post-processor).
  tiny-qwen2      Qwen2, q/k/v bias, tied embeddings, rope_theta 1e6, rms eps 1e-6, Qwen2
                  style byte-level BPE (NFC, one-digit split, no BOS added, special tokens
                  at the end of the vocabulary), config vocab padded past the tokenizer's.
  tiny-llama-spm  Llama, plain multi-head attention, head_dim 32, tied embeddings, the real
                  Llama-2 SentencePiece-style tokenizer.json (32000 tokens, byte fallback).
"""

# GPT-4 / Llama-3 pre-tokenizer regex (tokenizer.json of Meta-Llama-3).
LLAMA3_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)
# Qwen2 splits digits one by one (\p{N} instead of \p{N}{1,3}); the rest is the Llama-3 regex.
QWEN2_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# Training corpus, relative to the data root (SLIMLM_DATA layout). War and Peace and
# WikiText-2 are never trained on: they are the held-out evaluation texts.
TRAIN_GLOBS = [
    "corpora/train/*.txt.gz",
    "corpora/gutenberg/frankenstein.txt",
    "corpora/tinyshakespeare/input.txt",
]
EVAL_FILES = [
    "corpora/gutenberg/war-and-peace.txt",
    "corpora/wikitext-2-raw/wiki.test.raw",
]
# Share of every training document (its tail, cut at a line end) kept out for validation.
VALID_FRACTION = 0.02

TRAIN_DEFAULTS = dict(
    seed=1234,
    ctx=256,             # training window; goldens use 128 and 256
    batch=64,
    lr=2e-3,
    min_lr_ratio=0.1,    # cosine decays to lr * min_lr_ratio
    warmup=200,
    weight_decay=0.1,
    betas=(0.9, 0.95),
    grad_clip=1.0,
)

FIXTURES = {
    "tiny-llama": dict(
        arch="llama",
        tokenizer=dict(
            kind="bytelevel",
            style="llama3",
            vocab_size=4096,          # including the one special token
            special_tokens=["<|endoftext|>"],
            specials_first=True,      # <|endoftext|> = id 0, like bench-llama-26m
            add_bos=True,             # post-processor prepends BOS, as Llama-3 does
            bos="<|endoftext|>",
            eos="<|endoftext|>",
            pad=None,
        ),
        model=dict(
            hidden_size=256,
            intermediate_size=512,
            num_hidden_layers=4,
            num_attention_heads=4,
            num_key_value_heads=2,
            head_dim=64,
            max_position_embeddings=512,
            rms_norm_eps=1e-5,
            rope_theta=10000.0,
            tie_word_embeddings=False,
            pad_vocab_to=None,
        ),
        train=dict(steps=4000),
    ),
    "tiny-qwen2": dict(
        arch="qwen2",
        tokenizer=dict(
            kind="bytelevel",
            style="qwen2",
            vocab_size=3000,          # 2997 BPE tokens + 3 special tokens appended at the end
            special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            specials_first=False,
            add_bos=False,            # Qwen2 adds no BOS
            bos=None,
            eos="<|endoftext|>",
            pad="<|endoftext|>",
        ),
        model=dict(
            hidden_size=256,
            intermediate_size=704,
            num_hidden_layers=4,
            num_attention_heads=8,
            num_key_value_heads=4,
            head_dim=32,
            max_position_embeddings=512,
            rms_norm_eps=1e-6,
            rope_theta=1000000.0,
            tie_word_embeddings=True,
            pad_vocab_to=64,          # config vocab 3072 > tokenizer 3000, as in real Qwen2
        ),
        train=dict(steps=4000),
    ),
    "tiny-llama-spm": dict(
        arch="llama",
        tokenizer=dict(
            kind="file",
            path="tokenizers/llama2/tokenizer.json",
            add_bos=True,
            bos="<s>",
            eos="</s>",
            unk="<unk>",
            pad=None,
        ),
        model=dict(
            hidden_size=128,
            intermediate_size=384,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=4,
            head_dim=32,
            max_position_embeddings=512,
            rms_norm_eps=1e-5,
            rope_theta=10000.0,
            tie_word_embeddings=True,
            pad_vocab_to=None,
        ),
        train=dict(steps=4000),
    ),
}

# Prompts for the goldens. Logits are stored for the first `logit_prompts` of them (the
# 32k-vocabulary fixture keeps two short ones to stay small); generations for all.
PROMPTS = [
    "The old man looked at the sea and said",
    "In the beginning",
    "It was the best of times, it was the worst of times, it was the age of",
]
LOGIT_PROMPTS = {"tiny-llama": 3, "tiny-qwen2": 3, "tiny-llama-spm": 2}
MAX_LOGIT_TOKENS = {"tiny-llama": 24, "tiny-qwen2": 24, "tiny-llama-spm": 12}
HIDDEN_PROMPT = 0
GENERATE_NEW_TOKENS = 32
PPL_CTX = [128, 256]
HELDOUT_TEXT = "tests/data/war-and-peace-heldout.txt"
