"""Carry a trained Seq2Seq over to new tokenizers without starting from scratch.

A new corpus brings words the old BPE vocabulary splits into many pieces or cannot spell at all
(digits, for one, are not in the Bible). New tokenizers fix that, but a model trained from scratch
would lose hours of training. So every weight that does not depend on the vocabulary is copied,
and each row of the source embedding, the target embedding and the output layer is filled per
token: a token the old vocabulary also had keeps its old row; a new token starts as the mean of
the rows of the old pieces its text splits into (unknown characters left out). Continued training
then adapts the model to the new pieces.
"""
from __future__ import annotations

import torch


def _rows_for(new_tok, old_tok) -> list[list[int]]:
    """For each new token id, the old ids whose rows it starts from."""
    old_vocab, unk = old_tok.get_vocab(), old_tok.token_to_id("[UNK]")
    out = []
    for token, _ in sorted(new_tok.get_vocab().items(), key=lambda kv: kv[1]):
        if token in old_vocab:
            out.append([old_vocab[token]])
            continue
        pieces = [t.id for t in old_tok.model.tokenize(token) if t.id != unk]
        out.append(pieces or [unk])
    return out


def _gather(weight: torch.Tensor, rows: list[list[int]]) -> torch.Tensor:
    return torch.stack([weight[r].mean(0) for r in rows])


@torch.no_grad()
def carry_over(old_model, old_pre, new_model, new_pre) -> dict:
    """Fill ``new_model`` (built for ``new_pre``'s vocabulary sizes) from ``old_model``; returns how
    many tokens of each vocabulary were kept as they were."""
    source_rows = _rows_for(new_pre.source, old_pre.source)
    target_rows = _rows_for(new_pre.target, old_pre.target)
    old = old_model.state_dict()
    state = {k: v.clone() for k, v in old.items()}
    state["source_embedding.weight"] = _gather(old["source_embedding.weight"], source_rows)
    state["target_embedding.weight"] = _gather(old["target_embedding.weight"], target_rows)
    state["out.weight"] = _gather(old["out.weight"], target_rows)
    state["out.bias"] = torch.stack([old["out.bias"][r].mean() for r in target_rows])
    state["source_embedding.weight"][0] = 0  # padding rows stay zero
    state["target_embedding.weight"][0] = 0
    new_model.load_state_dict(state)
    return {"source_kept": sum(len(r) == 1 and new_pre.source.id_to_token(i) in old_pre.source.get_vocab()
                               for i, r in enumerate(source_rows)),
            "target_kept": sum(len(r) == 1 and new_pre.target.id_to_token(i) in old_pre.target.get_vocab()
                               for i, r in enumerate(target_rows))}
