#!/usr/bin/env python3
"""Writes tests/golden/<fixture>/tasks.json: lm-evaluation-harness task requests run through
Hugging Face transformers, the reference for slimlm's eval/tasks.

Runs on the accelerator machine (CPU is enough for the fixtures; float32). lm-eval itself is not
installed there, so its logic is mirrored here function by function (lm-eval 0.4):
  prompts       hellaswag (utils.preprocess, _process_doc), mmlu (description + first_n dev
                shots, "A. .. Answer:"), gsm8k ("Question: ..\\nAnswer:", target " <answer>",
                fewshot_delimiter "\\n\\n")
  tokenization  HFLM._encode_pair with add_special_tokens=False (lm-eval's default for causal
                models): trailing context spaces move to the continuation, the joint encoding is
                split after len(encode(context)) tokens; an empty context is [EOT]
  scoring       HFLM._loglikelihood_tokens: inp = (ctx + cont)[-(max_length + 1):][:-1],
                log_softmax, the continuation's tokens summed; is_greedy = all argmax
  generation    greedy until a stop string ("Question:", "\\n\\n") or EOS, the prompt
                left-truncated to max_length - max_gen_toks, the text cut at the first stop
The HellaSwag text is llama.cpp's (klosax/hellaswag_text_data), so ctx_a / ctx_b are recovered as
slimlm does (eval/tasks/hellaswag.h): ctx_b = the lower-case fragment after the last ". ".
GSM8K shots are test problems 0..7 (no train split in the data), scored problems start at 8.

  python3 tools/make_task_goldens.py --data $SLIMLM_DATA [--models models] [--out tests/golden]
"""

import argparse
import csv
import bz2
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import golden_json  # noqa: E402

HELLASWAG_ITEMS = 8
MMLU_SUBJECTS = [("abstract_algebra", 5, 3), ("high_school_geography", 5, 3), ("anatomy", 0, 2)]
GSM8K_POOL, GSM8K_SHOTS, GSM8K_ITEMS, GSM8K_MAX_GEN = 8, 2, 3, 48
GSM8K_STOPS = ["Question:", "\n\n"]
# Hand-made requests: a context with trailing spaces, an empty context, a multi-token word.
EXTRA_REQUESTS = [
    ("The capital of France is ", "Paris"),
    ("", "It was a dark and stormy night."),
    ("Prince Andrew looked at", " the sky above him"),
    ("Question: What is 2 + 2?\nAnswer:", " 4"),
]


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- prompts (lm-eval task logic) -------------------------------------------------------------

def hellaswag_preprocess(text):
    text = text.strip()
    text = text.replace(" [title]", ". ")
    text = re.sub("\\[.*?\\]", "", text)
    text = text.replace("  ", " ")
    return text


def hellaswag_docs(path, n):
    lines = bz2.decompress(Path(path).read_bytes()).decode("utf-8").split("\n")
    docs = []
    for t in range(n):
        ctx_line, label, endings = lines[6 * t], int(lines[6 * t + 1]), lines[6 * t + 2: 6 * t + 6]
        label_text, ctx = ctx_line.split(": ", 1)
        # ctx = ctx_a + " " + ctx_b; ctx_b is the lower-case tail (ActivityNet) or empty (WikiHow).
        cut = ctx.rfind(". ")
        if cut >= 0 and ctx[cut + 2: cut + 3].islower():
            ctx_a, ctx_b = ctx[: cut + 1], ctx[cut + 2:]
        else:
            ctx_a, ctx_b = ctx, ""
        query = hellaswag_preprocess(label_text + ": " + ctx_a + " " + ctx_b.capitalize())
        docs.append({"index": t, "context": query, "choices": [hellaswag_preprocess(e) for e in endings],
                     "gold": label})
    return docs


def mmlu_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["question", "choice0", "choice1", "choice2", "choice3", "answer"], path
    return [{"question": r[0], "choices": r[1:5], "answer": int(r[5])} for r in rows[1:]]


def mmlu_text(doc):
    q = doc["question"].strip()
    c = doc["choices"]
    return f"{q}\nA. {c[0]}\nB. {c[1]}\nC. {c[2]}\nD. {c[3]}\nAnswer:"


def mmlu_docs(root):
    docs = []
    for subject, shots, n in MMLU_SUBJECTS:
        dev = mmlu_rows(Path(root) / "dev" / f"{subject}_dev.csv")
        test = mmlu_rows(Path(root) / "test" / f"{subject}_test.csv")
        description = f"The following are multiple choice questions (with answers) about {' '.join(subject.split('_'))}.\n\n"
        labeled = "".join(mmlu_text(d) + " " + "ABCD"[d["answer"]] + "\n\n" for d in dev[:shots])
        for i in range(n):
            docs.append({"subject": subject, "shots": shots, "index": i,
                         "context": description + labeled + mmlu_text(test[i]),
                         "choices": ["A", "B", "C", "D"], "gold": test[i]["answer"]})
    return docs


def gsm8k_docs(path):
    probs = [json.loads(l) for l in Path(path).read_text(encoding="utf-8").splitlines() if l.strip()]
    shots = "".join(f"Question: {p['question']}\nAnswer: {p['answer']}\n\n" for p in probs[:GSM8K_SHOTS])
    docs = []
    for i in range(GSM8K_POOL, GSM8K_POOL + GSM8K_ITEMS):
        docs.append({"index": i, "prompt": shots + f"Question: {probs[i]['question']}\nAnswer:",
                     "answer": probs[i]["answer"]})
    return docs


# --- lm-eval HFLM ----------------------------------------------------------------------------

class Hflm:
    def __init__(self, model, tok, max_length):
        self.model, self.tok, self.max_length = model, tok, max_length
        self.eot = tok.eos_token_id

    def tok_encode(self, s):
        return self.tok.encode(s, add_special_tokens=False)

    def encode_pair(self, context, continuation):
        if context == "":
            return [self.eot], self.tok_encode(continuation)
        n_spaces = len(context) - len(context.rstrip())
        if n_spaces > 0:
            continuation = context[-n_spaces:] + continuation
            context = context[:-n_spaces]
        whole = self.tok_encode(context + continuation)
        ctx = self.tok_encode(context)
        return ctx, whole[len(ctx):]

    def loglikelihood(self, ctx, cont):
        import torch
        inp = (ctx + cont)[-(self.max_length + 1):][:-1]
        with torch.no_grad():
            logits = self.model(torch.tensor([inp])).logits[0].float()
        lp = torch.log_softmax(logits, dim=-1)[len(inp) - len(cont): len(inp)]
        target = torch.tensor(cont)
        greedy = bool((lp.argmax(dim=-1) == target).all())
        return float(lp.gather(1, target[:, None]).sum()), greedy

    def generate_until(self, prompt, stops, max_gen):
        import torch
        ids = self.tok_encode(prompt)[-(self.max_length - max_gen):]
        new = []
        while len(new) < max_gen:
            with torch.no_grad():
                nxt = int(self.model(torch.tensor([ids + new])).logits[0, -1].argmax())
            if nxt == self.eot:
                break
            new.append(nxt)
            text = self.tok.decode(new)
            if any(s in text for s in stops):
                break
        text = self.tok.decode(new)
        for s in stops:
            text = text.split(s)[0]
        return new, text


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="the shared data folder (SLIMLM_DATA)")
    p.add_argument("--models", default="models")
    p.add_argument("--out", default="tests/golden")
    p.add_argument("--fixture", default="tiny-llama")
    a = p.parse_args()

    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer
    torch.manual_seed(0)
    model_dir = Path(a.models) / a.fixture
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="eager").eval()
    tok = AutoTokenizer.from_pretrained(model_dir)
    max_length = model.config.max_position_embeddings
    lm = Hflm(model, tok, max_length)
    data = Path(a.data) / "eval"

    requests, items = [], {}
    items["hellaswag"] = hellaswag_docs(data / "hellaswag" / "hellaswag_val_full.txt.bz2", HELLASWAG_ITEMS)
    items["mmlu"] = mmlu_docs(data / "mmlu")
    for task in ("hellaswag", "mmlu"):
        for n, doc in enumerate(items[task]):
            for c, choice in enumerate(doc["choices"]):
                requests.append({"task": task, "item": n, "choice": c, "context": doc["context"],
                                 "continuation": " " + choice})
    for ctx, cont in EXTRA_REQUESTS:
        requests.append({"task": "extra", "item": -1, "choice": -1, "context": ctx, "continuation": cont})
    log(f"{len(requests)} loglikelihood requests")
    for r in requests:
        ctx, cont = lm.encode_pair(r["context"], r["continuation"])
        r["context_ids"], r["continuation_ids"] = ctx, cont
        r["logprob"], r["greedy"] = lm.loglikelihood(ctx, cont)

    items["gsm8k"] = gsm8k_docs(data / "gsm8k" / "test.jsonl")
    for d in items["gsm8k"]:
        d["new_ids"], d["output"] = lm.generate_until(d["prompt"], GSM8K_STOPS, GSM8K_MAX_GEN)
    log("gsm8k generations done")

    out = {
        "fixture": a.fixture,
        "generator": "tools/make_task_goldens.py",
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
        "max_length": max_length,
        "gsm8k": {"pool": GSM8K_POOL, "shots": GSM8K_SHOTS, "max_gen_tokens": GSM8K_MAX_GEN, "stops": GSM8K_STOPS},
        "items": items,
        "loglikelihood": requests,
    }
    golden_json.write(Path(a.out) / a.fixture / "tasks.json", out)
    log(f"wrote {Path(a.out) / a.fixture / 'tasks.json'}")


if __name__ == "__main__":
    main()
