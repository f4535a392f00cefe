"""Training translation on two corpora: new tokenizers carry the trained weights over, and the
eval scores each corpus on its own (the Bible's figures unprefixed, the modern ones prefixed)."""
import pytest
import torch

from plugins.translation import evaluate, modern
from plugins.translation.model import Seq2Seq
from plugins.translation.preprocess import TranslationPreprocessor, train_tokenizer
from plugins.translation.vocab_transfer import carry_over

OLD_EN = ["and the king said unto his servants", "go and bring me bread", "the servants went out"] * 20
OLD_ES = ["y el rey dijo a sus siervos", "id y traedme pan", "los siervos salieron"] * 20
NEW_EN = OLD_EN + ["could not open the file", "the file was saved", "open a new file"] * 20
NEW_ES = OLD_ES + ["no se pudo abrir el archivo", "el archivo se guardó", "abrir un archivo nuevo"] * 20


def _pre(en, es, size):
    return TranslationPreprocessor(train_tokenizer(en, size), train_tokenizer(es, size))


def _model(pre):
    torch.manual_seed(0)
    return Seq2Seq(pre.source.get_vocab_size(), pre.target.get_vocab_size(), embedding_dim=8, encoder_hidden=8,
                   decoder_hidden=16)


def test_new_tokenizers_keep_every_old_token_row_and_start_new_tokens_from_their_old_pieces():
    old_pre, new_pre = _pre(OLD_EN, OLD_ES, 60), _pre(NEW_EN, NEW_ES, 90)
    old, new = _model(old_pre), _model(new_pre)
    kept = carry_over(old, old_pre, new, new_pre)
    assert kept["source_kept"] > 10 and kept["target_kept"] > 10

    old_vocab, new_vocab = old_pre.target.get_vocab(), new_pre.target.get_vocab()
    shared = [t for t in new_vocab if t in old_vocab and old_vocab[t] > 0]
    fresh = [t for t in new_vocab if t not in old_vocab]
    assert shared and fresh
    for token in shared:
        torch.testing.assert_close(new.out.weight[new_vocab[token]], old.out.weight[old_vocab[token]])
        torch.testing.assert_close(new.target_embedding.weight[new_vocab[token]],
                                   old.target_embedding.weight[old_vocab[token]])
    def pieces(token):
        return [t.id for t in old_pre.target.model.tokenize(token) if t.id != old_pre.unk_id]

    # A new token starts from the mean of its old pieces; one with none (all unknown), from [UNK]'s
    # row. (The vocabulary's own order is a hash map's: look at the tokens sorted.)
    for token in sorted(fresh):
        expected = old.out.weight[pieces(token) or [old_pre.unk_id]].mean(0)
        torch.testing.assert_close(new.out.weight[new_vocab[token]], expected)
    # Everything that does not depend on the vocabulary is the old model's.
    torch.testing.assert_close(new.encoder.weight_hh_l0, old.encoder.weight_hh_l0)
    torch.testing.assert_close(new.decoder.weight_ih_l0, old.decoder.weight_ih_l0)
    assert not new.source_embedding.weight[0].any()  # padding stays zero


def test_the_eval_of_both_corpora_keeps_the_bible_figures_as_they_were_and_prefixes_the_modern_ones():
    parts = {"bible": {"n": 3, "beam_size": 5, "metrics": {"beam 5": {"bleu": 25.0, "chrf": 45.0, "seconds": 1}},
                       "baselines": {"apertium (rule-based)": {"bleu": 12.0, "chrf": 38.0}}},
             "modern": {"n": 4, "beam_size": 5, "metrics": {"beam 5": {"bleu": 30.0, "chrf": 55.0, "seconds": 1}},
                        "baselines": {"apertium (rule-based)": {"bleu": 24.0, "chrf": 50.0}}}}
    merged = evaluate.merge(parts)
    assert merged["n"] == {"bible": 3, "modern": 4}
    assert merged["metrics"]["beam 5"] == {"bleu": 25.0, "chrf": 45.0, "modern_bleu": 30.0, "modern_chrf": 55.0}
    assert merged["baselines"]["apertium (rule-based)"] == {"bleu": 12.0, "chrf": 38.0, "modern_bleu": 24.0,
                                                            "modern_chrf": 50.0}


def test_a_half_fetched_modern_corpus_is_refused_not_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(modern, "folder", lambda: tmp_path)
    (tmp_path / "mo" / "somepackage").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="not \\(fully\\) fetched"):
        modern.load_splits()
    assert not (tmp_path / "pairs.json").exists()


def test_the_mixed_checkpoint_writes_software_english_in_modern_spanish():
    import zoo

    pipe = zoo.pipeline("translation", checkpoint="en-es-mixed", device="cpu")
    assert "archivo" in pipe("Could not open the file for writing.")["translation"]
    assert "contraseña" in pipe("Please enter your password.")["translation"]
    bible = zoo.pipeline("translation", checkpoint="en-es", device="cpu")
    assert "contraseña" not in bible("Please enter your password.")["translation"]  # the Bible never saw one
