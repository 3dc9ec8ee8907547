"""The strings whose token ids tools/make_goldens.py stores in tests/golden/<fixture>/tokens.json.

Corpus lines (the committed held-out slice plus a few well-known public-domain lines) and
strings chosen to hit the corners of pre-tokenizers, normalizers, byte fallback and
added-token matching.
"""

TRICKY = [
    "",
    " ",
    "  ",
    "\n",
    "\n\n\n",
    "\t",
    " \n \n",
    "Hello world",
    " Hello world",
    "Hello  world",
    "   leading spaces",
    "trailing spaces   ",
    "line one\nline two\r\nline three",
    "tabs\tand\tspaces \t mixed",
    "1234567890",
    "3.14159 and 2,718 and 1e-9",
    "$1,000,000.00 (or 12%)",
    "don't you're I'm we'll they've she'd IT'S O'Brien",
    "UPPER lower MiXeD CamelCase snake_case",
    "naïve café résumé Ångström",
    "e\u0301 versus \u00e9",
    "Привет, мир!",
    "日本語のテキストです。",
    "中文测试，标点。",
    "한국어 문장",
    "مرحبا بالعالم",
    "emoji 😀🎉 👍🏽",
    "family 👨\u200d👩\u200d👧\u200d👦 flag 🇺🇸",
    "zero\u200bwidth and\u00a0nbsp",
    "ſ long s and ﬁ ligature",
    "—em-dash “smart quotes” ‘single’ …",
    "a/b\\c|d {x} [y] <z>",
    "http://example.com/path?x=1&y=2#frag",
    "def f(x):\n    return x * 2\n",
    "!!!???...;;;",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "abababababababababababababababab",
    "<|endoftext|>",
    "Hello<|endoftext|>world",
    "<s> hi </s>",
    "<|im_start|>user\nHi there<|im_end|>",
    "<unk>",
]

KNOWN_LINES = [
    "In the beginning God created the heaven and the earth.",
    "First Citizen:\nBefore we proceed any further, hear me speak.",
    "You will rejoice to hear that no disaster has accompanied the commencement of an "
    "enterprise which you have regarded with such evil forebodings.",
    "It was the best of times, it was the worst of times,",
]


def token_cases(heldout_text, n_corpus_lines=8):
    """Fixed tricky strings, known lines, and evenly spaced non-empty lines of the slice."""
    lines = [ln for ln in heldout_text.split("\n") if ln.strip()]
    step = max(1, len(lines) // n_corpus_lines)
    picked = lines[::step][:n_corpus_lines]
    # One multi-line paragraph keeps the newline handling inside running text in view.
    paragraph = heldout_text[:600].rsplit("\n", 1)[0]
    return TRICKY + KNOWN_LINES + picked + [paragraph]
