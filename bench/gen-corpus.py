#!/usr/bin/env python3
"""Deterministic benchmark corpus: realistic Markdown-ish news articles.

usage: gen-corpus.py articles DIR N [SIZE]      N articles of about SIZE bytes (5000)
       gen-corpus.py series DIR DAYS N PCT      DAYS daily folders of N articles in
                                                which PCT percent change a little each day
       gen-corpus.py pair DIR SIZE PCT          a.txt and b.txt of about SIZE bytes,
                                                PCT percent of the words changed in b
       gen-corpus.py unrelated DIR SIZE         a.txt and b.txt with no text in common
Everything is seeded: the same arguments give the same bytes.
"""
import os
import random
import sys

WORDS = ("the of and to in a is that for on was with he it as his at by from they this "
         "be are has had have not but were which an their one said its after more also "
         "who been would two when there first new than into other year years government "
         "president minister talks officials military security crisis peninsula missile "
         "nuclear tensions leader region allies sanctions dialog resolution negotiator "
         "country countries people police court report market economy percent million "
         "billion week month statement spokesman agency parliament election vote campaign "
         "Pyongyang Seoul Moscow Washington Beijing Tokyo Brussels Berlin Kyiv Ankara "
         "according however meanwhile despite following amid earlier later recently").split()
QUOTES = [("“", "”"), ('"', '"'), ("‘", "’"), ("«", "»")]
DASHES = ["–", "—", "-"]


def sentence(rng):
    n = rng.randint(8, 24)
    words = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.25:
        words.insert(rng.randrange(len(words)), f"{rng.randint(2, 99)},{rng.randint(100, 999)}")
    if rng.random() < 0.15:
        words.insert(rng.randrange(len(words)), f"{rng.randint(1, 9)}.{rng.randint(0, 9)}%")
    if rng.random() < 0.1:
        words.insert(rng.randrange(1, len(words)), rng.choice(DASHES))
    s = " ".join(words)
    s = s[0].upper() + s[1:]
    if rng.random() < 0.2:
        o, c = rng.choice(QUOTES)
        s = f"*{o}{s},{c}* the official told reporters"
    if rng.random() < 0.1:
        s = s.replace(" is ", " isn’t ", 1)
    return s + "."


def paragraph(rng):
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))


def article(rng, size, idx):
    head = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12))).capitalize()
    parts = ["---", "", f"‘{head}’ {rng.choice(DASHES)} report {idx}", "",
             f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{rng.randint(10, 26)}", ""]
    body = []
    total = sum(len(p) for p in parts)
    while total < size:
        p = paragraph(rng)
        body.append(p)
        total += len(p.encode()) + 2
        if rng.random() < 0.08:
            body.append(f"Read more [{sentence(rng)}](#)")
    return "\n".join(parts) + "\n" + "\n".join(x + "\n" for x in body)


def edit(rng, text):
    paras = text.split("\n")
    i = rng.randrange(6, len(paras)) if len(paras) > 6 else len(paras) - 1
    words = paras[i].split(" ")
    for _ in range(max(1, len(words) // 30)):
        j = rng.randrange(len(words))
        words[j] = rng.choice(WORDS)
    paras[i] = " ".join(words)
    return "\n".join(paras)


def main():
    global WORDS
    mode, d = sys.argv[1], sys.argv[2]
    os.makedirs(d, exist_ok=True)
    rng = random.Random(20261130)
    if mode == "articles":
        n, size = int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 5000
        for i in range(n):
            with open(os.path.join(d, f"article-{i:05d}.txt"), "w", encoding="utf-8") as f:
                f.write(article(rng, size, i))
    elif mode == "series":
        days, n, pct = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
        texts = [article(rng, 5000, i) for i in range(n)]
        for day in range(days):
            if day:
                for i in rng.sample(range(n), max(1, int(n * pct / 100))):
                    texts[i] = edit(rng, texts[i])
            dd = os.path.join(d, f"day-{day:02d}")
            os.makedirs(dd, exist_ok=True)
            for i, t in enumerate(texts):
                with open(os.path.join(dd, f"article-{i:04d}.txt"), "w", encoding="utf-8") as f:
                    f.write(t)
    elif mode == "pair":
        size, pct = int(sys.argv[3]), float(sys.argv[4])
        a = article(rng, size, 0)
        words = a.split(" ")
        for j in rng.sample(range(len(words)), int(len(words) * pct / 100)):
            words[j] = rng.choice(WORDS) + "x"
        open(os.path.join(d, "a.txt"), "w", encoding="utf-8").write(a)
        open(os.path.join(d, "b.txt"), "w", encoding="utf-8").write(" ".join(words))
    elif mode == "unrelated":
        size = int(sys.argv[3])
        open(os.path.join(d, "a.txt"), "w", encoding="utf-8").write(article(rng, size, 0))
        rng2 = random.Random(7)
        WORDS = [w[::-1] + "q" for w in WORDS]
        open(os.path.join(d, "b.txt"), "w", encoding="utf-8").write(article(rng2, size, 1))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
