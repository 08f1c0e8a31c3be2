#!/usr/bin/env python3
"""Deterministic inputs for bench/bench-diff.sh (docseal diff benchmarks).

diff-gen.py OUTDIR [SCALE] writes (sizes times SCALE, default 1), in norm-1 layout ("# headline", "date: ...", blank
line, one paragraph per line, paragraphs separated by a blank line):

  article-a.txt, article-b.txt   ~1 MB article; b has ~1% of its words changed
                                 (replaced, deleted or inserted at random places)
  unrelated-a.txt, unrelated-b.txt  two unrelated ~5 MB articles (different seeds)
  line-a.txt, line-b.txt         two unrelated ~5 MB texts on a single line each,
                                 same vocabulary (the hardest case for a word diff)

Words come from the seed article of the corpus plus Unicode punctuation, so
the texts look like news prose. Same output on every run (seeded PRNG).
"""
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SEED_ARTICLE = os.path.join(HERE, "..", "fixtures", "articles", "000_b02582cd44c05fde.txt")


def vocabulary():
    text = open(SEED_ARTICLE, encoding="utf-8").read()
    words = re.findall(r"[A-Za-z][A-Za-z’'-]*|\d[\d,.]*", text)
    extra = ["“quoted”", "‘single’", "—", "–", "13,000", "3.5%", "2018-01-11", "Москва", "北京",
             "naïve", "café", "€5bn", "1.5bn"]
    return words + extra


def paragraph(rng, vocab, nwords):
    out = []
    sentence = 0
    for _ in range(nwords):
        w = rng.choice(vocab)
        if sentence == 0:
            w = w[:1].upper() + w[1:]
        sentence += 1
        if sentence > rng.randint(8, 22):
            w += rng.choice([".", ".", ".", "?", ","])
            sentence = 0 if w.endswith((".", "?")) else sentence
        out.append(w)
    p = " ".join(out)
    return p if p.endswith(".") else p + "."


def article(rng, vocab, size, headline):
    parts = ["# " + headline, "date: 11/01/2018", ""]
    n = sum(len(x) + 1 for x in parts)
    paras = []
    while n < size:
        p = paragraph(rng, vocab, rng.randint(40, 140))
        paras.append(p)
        n += len(p.encode("utf-8")) + 2
    return parts, paras


def write(path, head, paras):
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(head) + "\n" + "\n\n".join(paras) + "\n")


def main():
    if len(sys.argv) > 1 and sys.argv[1].startswith("-"):
        sys.stdout.write(__doc__)
        sys.exit(0 if sys.argv[1] in ("-h", "--help") else 2)
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    scale = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    os.makedirs(out, exist_ok=True)
    vocab = vocabulary()

    rng = random.Random(1)
    head, paras = article(rng, vocab, int(1_000_000 * scale), "Benchmark article about the Korean crisis")
    write(os.path.join(out, "article-a.txt"), head, paras)
    words = [p.split(" ") for p in paras]
    total = sum(len(w) for w in words)
    edits = max(1, total // 100)
    for _ in range(edits):
        i = rng.randrange(len(words))
        ws = words[i]
        j = rng.randrange(len(ws))
        r = rng.random()
        if r < 0.6:
            ws[j] = rng.choice(vocab)
        elif r < 0.8 and len(ws) > 3:
            del ws[j]
        else:
            ws.insert(j, rng.choice(vocab))
    write(os.path.join(out, "article-b.txt"), head, [" ".join(w) for w in words])

    rng = random.Random(2)
    head, paras = article(rng, vocab, int(5_000_000 * scale), "First unrelated text")
    write(os.path.join(out, "unrelated-a.txt"), head, paras)
    rng = random.Random(3)
    head, paras = article(rng, vocab, int(5_000_000 * scale), "Second unrelated text")
    write(os.path.join(out, "unrelated-b.txt"), head, paras)

    for name, seed in (("line-a.txt", 4), ("line-b.txt", 5)):
        rng = random.Random(seed)
        _, paras = article(rng, vocab, int(5_000_000 * scale), "x")
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write(" ".join(paras) + "\n")


if __name__ == "__main__":
    main()
