"""An attentional LSTM encoder-decoder.

Encoder: embeddings and a bidirectional LSTM; its final states, through a linear bridge, start
the decoder. Decoder: an LSTM over the target embeddings, then Luong "general" attention over
the encoder outputs and ``tanh(W_c [context; h])`` before the output layer. Without input feeding
the decoder LSTM runs over the whole target at once in training (the fast full-sequence path);
decoding steps it with ``zoo.lstm_step``. ``attention=False`` is the ablation of the same size:
the attention read-out is replaced by ``tanh(W_c [0; h])``.
"""
from __future__ import annotations

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class Seq2Seq(nn.Module):
    def __init__(self, source_vocab: int, target_vocab: int, embedding_dim: int = 256, encoder_hidden: int = 256,
                 decoder_hidden: int = 512, decoder_layers: int = 1, attention: bool = True, dropout: float = 0.2):
        super().__init__()
        self.attention = attention
        self.decoder_layers = decoder_layers
        self.source_embedding = nn.Embedding(source_vocab, embedding_dim, padding_idx=0)
        self.encoder = nn.LSTM(embedding_dim, encoder_hidden, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * encoder_hidden, 2 * decoder_layers * decoder_hidden)
        self.target_embedding = nn.Embedding(target_vocab, embedding_dim, padding_idx=0)
        self.decoder = nn.LSTM(embedding_dim, decoder_hidden, num_layers=decoder_layers, batch_first=True,
                               dropout=dropout if decoder_layers > 1 else 0.0)
        self.attend = nn.Linear(decoder_hidden, 2 * encoder_hidden, bias=False)  # score = h W_a e
        self.combine = nn.Linear(2 * encoder_hidden + decoder_hidden, decoder_hidden)
        self.out = nn.Linear(decoder_hidden, target_vocab)
        self.dropout = nn.Dropout(dropout)

    def encode(self, source: torch.Tensor, lengths: torch.Tensor):
        """``source`` (B, S) padded with 0; returns encoder outputs (B, S, 2E), mask (B, S) and the
        decoder's initial (h, c), each (layers, B, D)."""
        packed = pack_padded_sequence(self.dropout(self.source_embedding(source)), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        out, (h, _) = self.encoder(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=source.shape[1])
        final = torch.cat([h[0], h[1]], dim=-1)  # forward and backward final states
        init = torch.tanh(self.bridge(final)).view(final.shape[0], 2, self.decoder_layers, -1)
        state = (init[:, 0].transpose(0, 1).contiguous(), init[:, 1].transpose(0, 1).contiguous())
        mask = source != 0
        return out, mask, state

    def read_out(self, hidden: torch.Tensor, memory: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor):
        """``hidden`` (B, T, D) decoder outputs -> logits (B, T, V) and attention (B, T, S).
        ``keys`` = memory projected once per sentence for the scores (``attend`` folded in)."""
        if self.attention:
            scores = torch.bmm(hidden, keys.transpose(1, 2)).masked_fill(~mask[:, None, :], float("-inf"))
            weights = scores.softmax(-1)
            context = torch.bmm(weights, memory)
        else:
            weights = None
            context = hidden.new_zeros(*hidden.shape[:2], memory.shape[-1])
        combined = torch.tanh(self.combine(torch.cat([context, hidden], dim=-1)))
        return self.out(self.dropout(combined)), weights

    def keys(self, memory: torch.Tensor) -> torch.Tensor:
        # h W_a e^T = h (e W_a^T)^T: project the encoder outputs once instead of every decoder step.
        return memory @ self.attend.weight

    def decoder_step(self, int8: bool = False):
        """The decoder's one-step LSTM, target embedding folded in."""
        from zoo.lstm_step import cached_step

        return cached_step(self, self.decoder, self.target_embedding, int8)

    def forward(self, source, lengths, target_in):
        """Teacher forcing: logits (B, T, V) for ``target_in`` (B, T) = [BOS] + target."""
        memory, mask, state = self.encode(source, lengths)
        hidden, _ = self.decoder(self.dropout(self.target_embedding(target_in)), state)
        logits, _ = self.read_out(hidden, memory, self.keys(memory), mask)
        return logits
