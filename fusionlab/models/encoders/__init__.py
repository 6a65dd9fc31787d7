"""Encoders: map one modality's input to tokens ``(B, L, d_model)``."""

from fusionlab.models.encoders.embedding import PatchEmbedding, TokenEmbedding, input_embedding
from fusionlab.models.encoders.transformer import FrozenEncoder, ModalityTransformerEncoder, TokenTransformer

__all__ = [
    "FrozenEncoder",
    "ModalityTransformerEncoder",
    "PatchEmbedding",
    "TokenEmbedding",
    "TokenTransformer",
    "input_embedding",
]
