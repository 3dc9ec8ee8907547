"""Tokenizers for the fixture models: trained byte-level BPE or a given tokenizer.json.

The byte-level tokenizers copy the structure of real ones, written field by field into
tokenizer.json, so that the C++ tokenizer meets what it will meet in the wild:
  llama3  Split(GPT-4 regex, Isolated) + ByteLevel(use_regex=false); BPE with
          ignore_merges=true; post-processor Sequence[ByteLevel, TemplateProcessing(BOS $A)].
  qwen2   NFC normalizer; Split(regex with one-digit \\p{N}) + ByteLevel; BPE with
          ignore_merges=false; post-processor ByteLevel (no BOS); special tokens appended
          after the BPE vocabulary.
"""

import json

import fixture_configs as fc

# transformers' "unlimited" model_max_length, as every HF tokenizer_config.json writes it.
HF_UNLIMITED_LENGTH = int(1e30)


def _split_regex(style):
    if style == "llama3":
        return fc.LLAMA3_SPLIT
    if style == "qwen2":
        return fc.QWEN2_SPLIT
    raise ValueError(f"unknown byte-level tokenizer style {style!r}")


def train_bytelevel(spec, texts):
    """Trains a byte-level BPE on `texts` and returns a tokenizers.Tokenizer."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, trainers

    style = spec["style"]
    specials = list(spec["special_tokens"])
    tok = Tokenizer(models.BPE())
    if style == "qwen2":
        tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(_split_regex(style)), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    # The trainer counts its special tokens inside vocab_size; appended ones are extra.
    bpe_size = spec["vocab_size"] - (0 if spec["specials_first"] else len(specials))
    trainer = trainers.BpeTrainer(
        vocab_size=bpe_size,
        min_frequency=2,
        special_tokens=specials if spec["specials_first"] else [],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer, length=len(texts))
    if not spec["specials_first"]:
        tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    if tok.get_vocab_size(with_added_tokens=True) != spec["vocab_size"]:
        raise RuntimeError(
            f"trained tokenizer has {tok.get_vocab_size(with_added_tokens=True)} tokens, "
            f"expected {spec['vocab_size']} (corpus too small for the requested vocabulary?)")
    return _finish_bytelevel(tok, spec)


def _finish_bytelevel(tok, spec):
    """Writes the exact pipeline fields of the style into the tokenizer's JSON."""
    from tokenizers import Tokenizer

    style = spec["style"]
    j = json.loads(tok.to_str())
    j["pre_tokenizer"] = {
        "type": "Sequence",
        "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": _split_regex(style)},
             "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": style == "llama3",
             "use_regex": False},
        ],
    }
    j["normalizer"] = {"type": "NFC"} if style == "qwen2" else None
    j["decoder"] = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True}
    j["model"]["ignore_merges"] = style == "llama3"
    bytelevel_post = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                      "use_regex": True}
    if spec["add_bos"]:
        bos = spec["bos"]
        bos_id = tok.token_to_id(bos)
        template = {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": bos, "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": bos, "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": bos, "type_id": 1}},
                     {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {bos: {"id": bos, "ids": [bos_id], "tokens": [bos]}},
        }
        j["post_processor"] = {"type": "Sequence", "processors": [bytelevel_post, template]}
    else:
        j["post_processor"] = dict(bytelevel_post, add_prefix_space=False, use_regex=False)
    return Tokenizer.from_str(json.dumps(j, ensure_ascii=False))


def load_file_tokenizer(path):
    from tokenizers import Tokenizer
    return Tokenizer.from_file(str(path))


def tokenizer_config(spec):
    """tokenizer_config.json that makes AutoTokenizer load tokenizer.json as it is."""
    cfg = {
        "backend": "tokenizers",
        "tokenizer_class": "TokenizersBackend",
        "bos_token": spec.get("bos"),
        "eos_token": spec.get("eos"),
        "unk_token": spec.get("unk"),
        "clean_up_tokenization_spaces": False,
        "model_max_length": HF_UNLIMITED_LENGTH,
    }
    if spec.get("pad") is not None:
        cfg["pad_token"] = spec["pad"]
    return cfg


def token_id(tok, text):
    if text is None:
        return None
    i = tok.token_to_id(text)
    if i is None:
        raise RuntimeError(f"token {text!r} is not in the tokenizer")
    return i
