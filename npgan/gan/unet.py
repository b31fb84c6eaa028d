"""pix2pix's networks for 28x28x1 images (Isola et al., 2017): a U-Net generator and a
PatchGAN discriminator conditioned on the input.

U-Net G(x) (the lecture slides: "reduce spatial dimension with conv; increase it with
transpose conv and concatenate with previous layers"):
    down[0]: Conv 1->32   4x4 s2 p1, LeakyReLU(0.2)                  e1 (32, 14, 14)
    down[1]: Conv 32->64  4x4 s2 p1, LeakyReLU(0.2)                  e2 (64, 7, 7)
    down[2]: Conv 64->128 3x3 s2 p1, LeakyReLU(0.2)                  e3 (128, 4, 4)
    up[0]:   ConvT 128->64 3x3 s2 p1, ReLU, Dropout(0.5)             (64, 7, 7)
    up[1]:   ConvT (64+64)->32 4x4 s2 p1, ReLU, Dropout(0.5)  on cat(., e2)   (32, 14, 14)
    up[2]:   ConvT (32+32)->1  4x4 s2 p1, Tanh                 on cat(., e1)   (1, 28, 28)
The skips concatenate channels: decoder output first, encoder features second. G takes
no z: as the paper and the slides say, its randomness is the dropout in the decoder, which
pix2pix keeps on at test time (``Pix2PixTrainer.translate``). No normalization layers, so
every sample is computed on its own.

PatchGAN D(y | x): the logits of a 7x7 map, one per overlapping 10x10 patch of the
channel-concatenated pair cat(x, y) (2, 28, 28):
    Conv 2->64 4x4 s2 p1, LeakyReLU(0.2) -> Conv 64->128 4x4 s2 p1, LeakyReLU(0.2) -> Conv 128->1 1x1
Score (i, j) sees input rows 4i-3 .. 4i+6 and columns 4j-3 .. 4j+6 (``patch_window``):
each k4 s2 p1 conv maps output a to inputs 2a-1 .. 2a+2. The paper's 70x70 patches on
256x256 images are about a quarter of the side; 10 of 28 is a third. The losses average
the map, so the game's BCE is the mean over patches, as in the paper. Without BatchNorm
or dropout, D is per sample and the trainer may score real and fake in one pass.
"""
from .. import nn
from ..ops import cat

LEAKY_SLOPE = 0.2
PATCH_SIZE, PATCH_STRIDE, PATCH_OFFSET = 10, 4, -3


class UNet(nn.Module):
    """The 28x28 U-Net above; ``dropout`` is the probability of its decoder's Dropout layers."""

    def __init__(self, in_channels=1, out_channels=1, dropout=0.5):
        super().__init__()
        self.down = nn.ModuleList([
            nn.Sequential(nn.Conv2d(in_channels, 32, 4, stride=2, padding=1), nn.LeakyReLU(LEAKY_SLOPE)),
            nn.Sequential(nn.Conv2d(32, 64, 4, stride=2, padding=1), nn.LeakyReLU(LEAKY_SLOPE)),
            nn.Sequential(nn.Conv2d(64, 128, 3, stride=2, padding=1), nn.LeakyReLU(LEAKY_SLOPE)),
        ])
        self.up = nn.ModuleList([
            nn.Sequential(nn.ConvTranspose2d(128, 64, 3, stride=2, padding=1), nn.ReLU(), nn.Dropout(dropout)),
            nn.Sequential(nn.ConvTranspose2d(128, 32, 4, stride=2, padding=1), nn.ReLU(), nn.Dropout(dropout)),
            nn.Sequential(nn.ConvTranspose2d(64, out_channels, 4, stride=2, padding=1), nn.Tanh()),
        ])

    def forward(self, x):
        skips = []
        for layer in self.down:
            x = layer(x)
            skips.append(x)
        x = self.up[0](x)
        for layer, skip in zip(self.up[1:], reversed(skips[:-1])):
            x = layer(cat([x, skip], 1))
        return x


class PatchDiscriminator(nn.Module):
    """D(y, x): patch logits (N, 1, 7, 7) for image ``y`` given input ``x`` (the labels slot
    of a conditional D, so the trainer's ``BoundDiscriminator`` binds x)."""

    def __init__(self, in_channels=2):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, 64, 4, stride=2, padding=1), nn.LeakyReLU(LEAKY_SLOPE),
            nn.Conv2d(64, 128, 4, stride=2, padding=1), nn.LeakyReLU(LEAKY_SLOPE),
            nn.Conv2d(128, 1, 1))

    def forward(self, y, x):
        if x.shape != y.shape:
            raise ValueError(f"PatchDiscriminator: the input x {x.shape} and the image y {y.shape} must have "
                             "the same shape")
        return self.net(cat([x, y], 1))


def patch_window(i, j):
    """(rows, cols) ranges of the input pixels that patch score (i, j) depends on (clipped to the image later)."""
    top, left = PATCH_STRIDE * i + PATCH_OFFSET, PATCH_STRIDE * j + PATCH_OFFSET
    return range(top, top + PATCH_SIZE), range(left, left + PATCH_SIZE)
