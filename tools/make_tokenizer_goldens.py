#!/usr/bin/env python3
"""Golden token ids from Hugging Face `tokenizers` for slimlm's tokenizer tests.

Runs where `tokenizers` is installed (the accelerator machine; it needs no GPU):

    python3 tools/make_tokenizer_goldens.py --data DATA_DIR --out tests/golden/tokenizers

DATA_DIR has the layout of ../shared/data (tokenizers/, models/, corpora/, eval/).
Tokenizers covered:
  gpt2       tokenizers/gpt2 encoder.json + vocab.bpe, built as GPT-2's tokenizer.json
  llama3     tokenizers/llama3 encoder.json + vocab.bpe, built as Llama-3's tokenizer.json
             (Split regex + ByteLevel, ignore_merges, the 256 Llama 3.1/3.2 special tokens)
  llama2     tokenizers/llama2/tokenizer.json as is
  bench-llama-26m  models/bench-llama-26m/tokenizer.json as is
The two legacy pairs are turned into the same pipeline that slimlm's BpePreset builds
(src/slimlm/tokenizer/bpe_presets.cpp), so both sides run one definition.

Per tokenizer, <name>.json holds:
  cases:   tricky strings and the first lines of each corpus with full ids (with and
           without special tokens) and both decodes, for readable failures;
  corpora: every line of several corpora (and 8-line paragraphs, newlines included),
           checked in groups of 32: each group stores CRC-32 of the ids
           (per text: int32 count then int32 ids, little endian) and CRC-32 of the
           decoded texts (UTF-8, each followed by a NUL byte). Texts are not stored:
           the test reads them from $SLIMLM_DATA. This keeps the goldens small while
           every one of the ~20k texts is compared exactly.
"""
import argparse
import json
import struct
import sys
import zlib
from array import array
from pathlib import Path

GROUP = 32
PARAGRAPH_LINES = 8
CASE_LINES = 12  # first lines of each corpus stored in full

GPT2_PATTERN = (r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                  r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

# (path under DATA_DIR, max lines or None for all)
CORPORA = [
    ("corpora/wikitext-2-raw/wiki.test.raw", None),
    ("corpora/gutenberg/war-and-peace.txt", 6000),
    ("corpora/gutenberg/frankenstein.txt", None),
    ("corpora/tinyshakespeare/input.txt", 6000),
    ("eval/gsm8k/test.jsonl", None),
]

TRICKY = [
    "", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \r\n \n", "a\n\n\nb", "\t\tx\t", "    indented",
    "trailing   ", "Hello world", " Hello world", "Hello, world!", "HELLO WORLD", "I'm DON'T we'll THEY'RE 'S",
    "it's 'tis o'clock", "3", "33", "333", "3333", "12345678901234567890", "3.14159", "1,000,000", "-42e10",
    "$19.99 (20% off)", "2024-01-31T23:59:59Z", "½ ¾ ² ³ ① Ⅻ", "٣٤٥ ४५६", "Äpfel Öl Übermaß façade naïve",
    "e\u0301 vs \u00e9 (NFD vs NFC)", "ﬁ ﬂ ㎏ Ⅳ", "İstanbul ıi", "Straße ΣΑΣ σας", "нещо на Български",
    "Ελληνικά κείμενο", "日本語のテキストです。", "我想在apple工作1314151天～", "한국어 문장입니다",
    "ภาษาไทย", "हिन्दी पाठ", "עברית מימין לשמאל", "العربية", "កាន់តែពិសេសអាច",
    "🚀 (normal) 😶\u200d🌫️ (multiple emojis concatenated) ✅", "👨\u200d👩\u200d👧\u200d👦 family",
    "🦙🦙 llama", "a\u00a0b\u2009c\u3000d\u180ee\u0085f\u200bg", "zero\u200bwidth\u200cjoin\u200d",
    "\u00adsoft hyphen", "tab\tsep\tvalues", "x" * 300, "ab" * 200, "9" * 100,
    "def f(x):\n    return x**2  # square\n", "if (a && b) { return c->d[0]; }", "<html><body>hi</body></html>",
    "https://example.com/path?q=1&r=2#frag", "user@example.com", "----======", "'''''''\"\"\"\"......!!!!!!??????",
    "<|endoftext|>", "a<|endoftext|>b", " <|endoftext|> ", "<|endoftext|><|endoftext|>",
    "<s>", "<s> hello </s>", "hello<s>world", " <s>", "<unk>", "</s>",
    "<|begin_of_text|>Hello<|eot_id|>", "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
    "<|reserved_special_token_5|>", "<|begin_of_text", "<0x41>", "▁already▁meta", "▁",
    "\ufffd replacement char", "\U0001F600\U0001F601\U0001F602", "\U00010348 gothic", "\u0000nul",
    "mixed 日本 and English and 123", " leading and trailing ", "Cửa Việt", " discards",
    "w048 7tuijk dsdfhu", "ied 4 ½ months",
]


def legacy_json(vocab, merges, preset):
    """The tokenizer.json that slimlm's BpePreset builds from a legacy pair."""
    def special(content, id_):
        return {"id": id_, "content": content, "single_word": False, "lstrip": False,
                "rstrip": False, "normalized": False, "special": True}

    def byte_level(use_regex):
        return {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                "use_regex": use_regex}

    model = {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
             "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
             "ignore_merges": preset == "llama3", "vocab": vocab, "merges": merges}
    root = {"version": "1.0", "truncation": None, "padding": None, "normalizer": None, "model": model}
    if preset == "gpt2":
        root["added_tokens"] = ([special("<|endoftext|>", vocab["<|endoftext|>"])]
                                if "<|endoftext|>" in vocab else [])
        root["pre_tokenizer"] = byte_level(True)
        root["post_processor"] = byte_level(True)
        root["decoder"] = byte_level(True)
        return root
    names = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
             "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>",
             "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>"]
    k = 3
    while len(names) < 256:
        names.append(f"<|reserved_special_token_{k}|>")
        k += 1
    next_id = max(vocab.values()) + 1
    added = [special(n, vocab.get(n, next_id + i)) for i, n in enumerate(names)]
    bos = added[0]["id"]
    root["added_tokens"] = added
    root["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": LLAMA3_PATTERN}, "behavior": "Isolated", "invert": False},
        byte_level(False)]}
    root["post_processor"] = {"type": "Sequence", "processors": [
        byte_level(True),
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                    {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                  {"Sequence": {"id": "A", "type_id": 0}},
                  {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}},
                  {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [bos],
                                                  "tokens": ["<|begin_of_text|>"]}}}]}
    root["decoder"] = byte_level(True)
    return root


def read_merges(path):
    merges = []
    for line in Path(path).read_text(encoding="utf-8").split("\n"):
        line = line.rstrip("\r")
        if not line or line.startswith("#version"):
            continue
        a, b = line.split(" ")
        merges.append([a, b])
    return merges


def load_tokenizers(data):
    """name -> (tokenizers.Tokenizer, description)."""
    from tokenizers import Tokenizer
    data = Path(data)
    out = {}
    for name, preset in (("gpt2", "gpt2"), ("llama3", "llama3")):
        d = data / "tokenizers" / name
        vocab = json.loads((d / "encoder.json").read_text(encoding="utf-8"))
        root = legacy_json(vocab, read_merges(d / "vocab.bpe"), preset)
        out[name] = (Tokenizer.from_str(json.dumps(root)),
                     f"tokenizers/{name}/encoder.json + vocab.bpe, preset {preset}")
    out["llama2"] = (Tokenizer.from_file(str(data / "tokenizers/llama2/tokenizer.json")),
                     "tokenizers/llama2/tokenizer.json")
    out["bench-llama-26m"] = (Tokenizer.from_file(str(data / "models/bench-llama-26m/tokenizer.json")),
                              "models/bench-llama-26m/tokenizer.json")
    return out


def corpus_lines(data, rel, limit):
    text = (Path(data) / rel).read_bytes().decode("utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines[:limit] if limit else lines


def paragraphs(lines):
    return ["\n".join(lines[i:i + PARAGRAPH_LINES]) + "\n" for i in range(0, len(lines), PARAGRAPH_LINES)]


def ids_bytes(ids):
    return struct.pack("<i", len(ids)) + array("i", ids).tobytes()


def group_hashes(tok, texts, add_special):
    encs = tok.encode_batch(texts, add_special_tokens=add_special)
    ids = [e.ids for e in encs]
    decoded = tok.decode_batch(ids, skip_special_tokens=False)
    groups, total = [], 0
    for g in range(0, len(texts), GROUP):
        h_ids = h_dec = 0
        for i in range(g, min(g + GROUP, len(texts))):
            h_ids = zlib.crc32(ids_bytes(ids[i]), h_ids)
            h_dec = zlib.crc32(decoded[i].encode("utf-8") + b"\0", h_dec)
            total += len(ids[i])
        groups.append(f"{h_ids:08x}:{h_dec:08x}")
    return groups, total


def compact_case(c):
    """Drops the fields that merely repeat another (the test reads them back)."""
    c = dict(c)
    if c["ids_special"] == c["ids"]:
        del c["ids_special"]
    for key in ("decoded", "decoded_special_skipped"):
        if c[key] == c["text"]:
            del c[key]
    return c


def case(tok, text):
    """ids without / with special tokens, decode(ids) and decode(ids_special, skip_special_tokens).
    Absent ids_special means equal to ids; absent decoded* means equal to text."""
    ids = tok.encode(text, add_special_tokens=False).ids
    ids_special = tok.encode(text, add_special_tokens=True).ids
    return compact_case({"text": text, "ids": ids, "ids_special": ids_special,
                         "decoded": tok.decode(ids, skip_special_tokens=False),
                         "decoded_special_skipped": tok.decode(ids_special, skip_special_tokens=True)})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="folder with the layout of ../shared/data")
    ap.add_argument("--out", required=True, help="output folder (tests/golden/tokenizers)")
    args = ap.parse_args()
    import tokenizers
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    corpora = [(rel, corpus_lines(args.data, rel, limit)) for rel, limit in CORPORA]
    for name, (tok, desc) in load_tokenizers(args.data).items():
        cases = [case(tok, t) for t in TRICKY]
        for _, lines in corpora:
            cases += [case(tok, t) for t in lines[:CASE_LINES]]
        entries = []
        for rel, lines in corpora:
            for unit, texts, add_special in (("line", lines, True), ("paragraph", paragraphs(lines), False)):
                groups, total = group_hashes(tok, texts, add_special)
                entries.append({"path": rel, "unit": unit, "lines": len(lines), "texts": len(texts),
                                "add_special_tokens": add_special, "group": GROUP,
                                "total_tokens": total, "groups": groups})
        doc = {"tokenizer": name, "source": desc, "hf_tokenizers": tokenizers.__version__,
               "made_by": "tools/make_tokenizer_goldens.py", "paragraph_lines": PARAGRAPH_LINES,
               "cases": cases, "corpora": entries}
        path = out / f"{name}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        n_texts = sum(e["texts"] for e in entries)
        print(f"{name}: {len(cases)} cases, {n_texts} corpus texts -> {path} ({path.stat().st_size} bytes)",
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
