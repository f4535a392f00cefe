"""Does generated Python parse? The share of samples whose top-level blocks ``ast.parse``, beside
the same share for real held-out code cut the same way (so the measure's own cuts are visible).

A top-level block starts at a line that begins in column 0 (outside a triple-quoted string) and
runs to the next such line; a decorator line joins the block it decorates, and
``elif``/``else``/``except``/``finally`` lines join the statement they continue. The last block
of a text is cut off by the sample's length and is not scored. Per text: does its first complete
block parse; over all texts: the share of complete blocks that parse.
"""
from __future__ import annotations

import ast
import random
import re
import warnings

_CONTINUES = re.compile(r"(elif\b|else\b|except\b|finally\b|case\b|\)|\]|\})")
_TRIPLE = re.compile(r'"""|\'\'\'')


def _in_string_after(line: str, quote: str | None) -> str | None:
    """The triple quote still open after ``line`` (None: none), given the one open before it."""
    for m in _TRIPLE.finditer(line):
        if quote is None:
            quote = m.group(0)
        elif m.group(0) == quote:
            quote = None
    return quote


def top_level_blocks(text: str) -> list[str]:
    """The complete top-level blocks of ``text`` (the last, possibly cut, block left out)."""
    blocks: list[list[str]] = []
    decorated, quote = False, None
    for line in text.split("\n"):
        starts = quote is None and bool(line) and not line[0].isspace() and not line.startswith("#")
        quote = _in_string_after(line, quote)
        if starts and not _CONTINUES.match(line) and not decorated:
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
        else:
            blocks.append([line])
        if starts:
            decorated = line.startswith("@")
    return ["\n".join(b).strip("\n") + "\n" for b in blocks[:-1] if "".join(b).strip()]


def parses(block: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in made-up strings
            ast.parse(block)
        return True
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False


def share(texts: list[str]) -> dict:
    """``first_block_parses``: share of texts whose first complete block parses (texts without a
    complete block count as failures; ``first_block_complete``: share that have one);
    ``blocks_parse``: share of all complete blocks that parse."""
    firsts, completes, total, good = 0, 0, 0, 0
    for text in texts:
        blocks = top_level_blocks(text)
        ok = [parses(b) for b in blocks]
        firsts += bool(ok and ok[0])
        completes += bool(ok)
        total += len(ok)
        good += sum(ok)
    return {"texts": len(texts), "first_block_parses": round(firsts / max(1, len(texts)), 4),
            "first_block_complete": round(completes / max(1, len(texts)), 4),
            "blocks": total, "blocks_parse": round(good / max(1, total), 4)}


def real_windows(code: str, prime: str, chars: int, n: int, seed: int = 0) -> list[str]:
    """``n`` windows of real code, each starting at a line that begins with ``prime`` and as long as
    a sample (prime + ``chars``), picked with a fixed seed."""
    starts = [m.start() for m in re.finditer(rf"(?m)^{re.escape(prime)}", code)]
    picked = random.Random(seed).sample(starts, min(n, len(starts)))
    return [code[s:s + len(prime) + chars] for s in sorted(picked)]
