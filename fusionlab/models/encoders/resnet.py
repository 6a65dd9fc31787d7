"""Bottleneck-ResNet image encoder (Qin et al., Fig. 3-4), built with timm: image -> spatial tokens.

Offline, the network is built from a small configuration with random weights; with ``timm_name``
(e.g. ``"resnet50"``) it is ``timm.create_model(timm_name, pretrained=...)``, the real loading code
for online users. :attr:`ResNetImageEncoder.weights_source` always says which it is.
"""

from __future__ import annotations

from torch import Tensor, nn

from fusionlab.models.encoders.backbones import PretrainedWeightsUnavailable, hub_offline
from fusionlab.models.registry import register
from fusionlab.models.spec import ModalitySpec

PAPER = "Qin et al. (Step Fusion)"
RANDOM_INIT = "random init (config)"


def stage_layers(depth: int) -> tuple[int, ...]:
    """Spread ``depth`` bottleneck blocks over at most 3 stages, earlier stages first: 6 -> (2, 2, 2), 7 -> (3, 2, 2)."""
    stages = min(3, depth)
    return tuple(depth // stages + (1 if i < depth % stages else 0) for i in range(stages))


def _image_shape(spec: ModalitySpec) -> tuple[int, int, int]:
    if len(spec.shape) == 2:
        return (1, *spec.shape)
    if len(spec.shape) == 3:
        return tuple(spec.shape)
    raise ValueError(f"ResNetImageEncoder: modality {spec.name!r} must have per-sample shape (channels, height, width) "
                     f"or (height, width), got {spec.shape}")


class ResNetImageEncoder(nn.Module):
    """A stem convolution, ``depth`` bottleneck residual blocks (1x1 - 3x3 - 1x1), a 1x1 conv to ``d_model``.

    ``(B, C, H, W)`` or ``(B, H, W)`` -> tokens ``(B, H' * W', d_model)``: every cell of the last
    feature map is one token (row-major), ``H' = ceil(H / s)`` with ``s`` the output stride.

    Parameters
    ----------
    spec : ModalitySpec
        Per-sample shape ``(C, H, W)`` or ``(H, W)`` (one channel).
    d_model : int
    depth : int
        Number of bottleneck blocks (the paper: six), spread over ``min(3, depth)`` stages
        (:func:`stage_layers`) of ``width``, ``2 width``, ``4 width`` bottleneck channels (each block
        outputs 4 times its bottleneck channels). At least 2 (timm's stochastic-depth rule divides by
        ``depth - 1``).
    width : int
        Bottleneck channels of the first stage.
    timm_name : str, optional
        Build ``timm.create_model(timm_name, pretrained=pretrained, num_classes=0, global_pool="",
        in_chans=in_chans)`` instead of the small configuration (``depth``/``width`` are then ignored).
    pretrained : bool
        Load the pretrained weights of ``timm_name`` (needs the hub; offline this raises
        :class:`~fusionlab.models.encoders.backbones.PretrainedWeightsUnavailable`).
    in_chans : int, optional
        Channels the network takes; default the spec's channels. A 1-channel image with
        ``in_chans > 1`` (e.g. 3 for an RGB-pretrained net) is repeated over the channels.

    Attributes
    ----------
    weights_source : str
        ``"random init (config)"`` or ``"pretrained: <timm_name>"``.
    reduction : int
        Output stride ``s``; images smaller than ``s`` x ``s`` are refused (their single token would
        mostly see padding).

    Notes
    -----
    timm's ResNet has a 7x7 stride-2 stem convolution (64 channels; ``stem_width`` only matters
    for deep stems) and a stride-2 max-pool, then stride 2 between stages: ``s = 4 * 2**(stages - 1)``
    = 16 for three stages, so a 32 x 32 image gives 2 x 2 = 4 tokens and 24 x 24 also 2 x 2.
    ``forward_features`` always runs ``layer1..layer4``; the stages not built are identities.
    The last BatchNorm of each block is *not* zero-initialised (``zero_init_last=False``), so that
    every parameter gets a gradient from the first step.
    """

    def __init__(self, spec: ModalitySpec, d_model: int, *, depth: int = 6, width: int = 16,
                 timm_name: str | None = None, pretrained: bool = False, in_chans: int | None = None) -> None:
        super().__init__()
        self.image_shape = _image_shape(spec)
        channels, height, width_px = self.image_shape
        self.in_chans = channels if in_chans is None else int(in_chans)
        if self.in_chans != channels and channels != 1:
            raise ValueError(f"ResNetImageEncoder: in_chans={in_chans} does not match the {channels} channels of "
                             f"modality {spec.name!r} (only 1-channel images can be repeated over channels)")
        if timm_name is not None:
            self.backbone = self._from_timm(timm_name, pretrained)
            self.weights_source = f"pretrained: {timm_name}" if pretrained else RANDOM_INIT
            self.name = timm_name
        else:
            if int(depth) < 2 or int(width) < 1:
                raise ValueError(f"ResNetImageEncoder: depth must be >= 2 and width >= 1, got depth={depth}, "
                                 f"width={width}")
            layers = stage_layers(int(depth))
            from timm.models.resnet import Bottleneck, ResNet  # timm loads torchvision: only when used

            self.backbone = ResNet(block=Bottleneck, layers=layers, channels=tuple(width * 2**i for i in range(len(layers))),
                                   stem_width=width, in_chans=self.in_chans, num_classes=0, global_pool="",
                                   zero_init_last=False)
            for i in range(len(layers) + 1, 5):
                setattr(self.backbone, f"layer{i}", nn.Identity())
            self.weights_source = RANDOM_INIT
            self.name = f"ResNet(Bottleneck, layers={layers}, width={width})"
        self.reduction = int(self.backbone.feature_info[-1]["reduction"])
        if min(height, width_px) < self.reduction:
            raise ValueError(f"ResNetImageEncoder: modality {spec.name!r} images are {height} x {width_px}, smaller "
                             f"than the output stride {self.reduction}; need at least {self.reduction} x "
                             f"{self.reduction} (resize the images or use fewer stages)")
        self.n_tokens = -(-height // self.reduction) * -(-width_px // self.reduction)
        self.project = nn.Conv2d(self.backbone.num_features, d_model, 1)

    def _from_timm(self, timm_name: str, pretrained: bool) -> nn.Module:
        import timm

        def build() -> nn.Module:
            return timm.create_model(timm_name, pretrained=pretrained, num_classes=0, global_pool="",
                                     in_chans=self.in_chans)

        if not pretrained:
            return build()
        if hub_offline():
            raise PretrainedWeightsUnavailable(f"ResNetImageEncoder: pretrained weights of {timm_name!r} need the "
                                               "Hugging Face hub, but HF_HUB_OFFLINE is set; pass pretrained=False")
        try:
            return build()
        except Exception as err:  # network errors, unknown names: both mean "no weights"
            raise PretrainedWeightsUnavailable(f"ResNetImageEncoder: could not load pretrained {timm_name!r} "
                                               f"({type(err).__name__}: {err}); pass pretrained=False") from err

    def forward(self, x: Tensor) -> Tensor:
        """Images ``(B, C, H, W)`` (or ``(B, H, W)`` for one channel) -> tokens ``(B, H' W', d_model)``."""
        channels = self.image_shape[0]
        if x.dim() == 3 and channels == 1:
            x = x.unsqueeze(1)
        if x.dim() != 4 or tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(f"ResNetImageEncoder expects images (batch, {', '.join(map(str, self.image_shape))})"
                             f"{' or (batch, H, W)' if channels == 1 else ''}, got {tuple(x.shape)}")
        if self.in_chans != channels:
            x = x.expand(-1, self.in_chans, -1, -1)
        return self.project(self.backbone.forward_features(x)).flatten(2).transpose(1, 2)


@register("resnet_bottleneck", kind="encoder", paper=PAPER, tags=("step_fusion",),
          example_spec=ModalitySpec("image", (1, 32, 32), kind="image"))
def resnet_bottleneck(spec: ModalitySpec, d_model: int, **kwargs) -> ResNetImageEncoder:
    """Image -> bottleneck ResNet (timm; stem conv + 6 residual 1x1-3x3-1x1 blocks) -> spatial tokens."""
    return ResNetImageEncoder(spec, d_model, **kwargs)
