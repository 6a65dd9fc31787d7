"""Encoders: map one modality's input to tokens ``(B, L, d_model)``."""

from fusionlab.models.encoders.core_sleep import InnerOuterTokens  # registers "core_sleep_inner_outer" (Kontras et al.)
from fusionlab.models.encoders.ecg import EcgCnn1d, EcgCnn2d, EcgCnnTransformer  # registers "ecg_cnn1d" ... (Rethinking Multimodality)
from fusionlab.models.encoders.embedding import PatchEmbedding, TokenEmbedding, input_embedding
from fusionlab.models.encoders.lstm import LstmSeriesEncoder  # registers "lstm_series" (Qin et al.)
from fusionlab.models.encoders.resnet import ResNetImageEncoder  # registers "resnet_bottleneck" (Qin et al.)
from fusionlab.models.encoders.rhythm import RhythmMlp  # registers "ecg_rhythm_mlp"
from fusionlab.models.encoders.transformer import FrozenEncoder, ModalityTransformerEncoder, TokenTransformer

__all__ = [
    "EcgCnn1d",
    "EcgCnn2d",
    "EcgCnnTransformer",
    "FrozenEncoder",
    "InnerOuterTokens",
    "LstmSeriesEncoder",
    "ModalityTransformerEncoder",
    "PatchEmbedding",
    "ResNetImageEncoder",
    "RhythmMlp",
    "TokenEmbedding",
    "TokenTransformer",
    "input_embedding",
]
