"""npgan's DCGAN pair is seed 002's TensorFlow model: the same layers, output shapes and
parameter counts (Keras' model.summary() of that code: G 2,305,472 trainable parameters
plus 25,472 non-trainable BatchNorm statistics, D 212,865).

What differs from the Keras model (not visible in these counts): the layout (NCHW here,
NHWC there); Keras' default LeakyReLU slope 0.3 against npgan's 0.2 (LEAKY_SLOPE);
BatchNorm eps 1e-3 there, 1e-5 here (Keras' momentum 0.99 is PyTorch's 0.1); and 'same'
padding of the stride-2 layers, which Keras makes asymmetric (1 before, 2 after for kernel
5 on 28) where npgan pads 2 on both sides (padding=2, output_padding=1 for the transposed
convolutions): the same shapes, the sampling grid shifted by one pixel."""
import numpy as np

import npgan as ng
from npgan import nn
from npgan.gan.models import dcgan_discriminator, dcgan_generator


def trainable(module):
    return sum(p.data.size for p in module.parameters())


def batch_norm_statistics(module):
    return sum(m.running_mean.data.size + m.running_var.data.size for m in module.modules()
               if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)))


def test_generator_layers_and_counts_match_the_keras_model():
    G = dcgan_generator(100)
    # Keras: Dense(7*7*256, use_bias=False), BN, Conv2DTranspose 128/64/1 (5x5, no bias), BN x2
    keras_trainable = 100 * 7 * 7 * 256 + 2 * 7 * 7 * 256 + 256 * 128 * 25 + 2 * 128 + 128 * 64 * 25 + 2 * 64 + 64 * 25
    assert trainable(G) == keras_trainable == 2_305_472
    assert batch_norm_statistics(G) == 2 * (7 * 7 * 256 + 128 + 64) == 25_472
    shapes = []
    x = ng.tensor(np.zeros((2, 100), dtype=np.float32))
    for layer in G:
        x = layer(x)
        if isinstance(layer, (nn.Unflatten, nn.ConvTranspose2d)):
            shapes.append(x.shape[1:])
    # the seed's asserts, (None, 7, 7, 256) ... (None, 28, 28, 1), in NCHW
    assert shapes == [(256, 7, 7), (128, 7, 7), (64, 14, 14), (1, 28, 28)]


def test_discriminator_layers_and_counts_match_the_keras_model():
    D = dcgan_discriminator()
    assert trainable(D) == (1 * 64 * 25 + 64) + (64 * 128 * 25 + 128) + (7 * 7 * 128 + 1) == 212_865
    assert [type(m).__name__ for m in D] == ["Conv2d", "LeakyReLU", "Dropout", "Conv2d", "LeakyReLU", "Dropout",
                                             "Flatten", "Linear"]
    assert [m.p for m in D if isinstance(m, nn.Dropout)] == [0.3, 0.3]
    assert D(ng.tensor(np.zeros((2, 1, 28, 28), dtype=np.float32))).shape == (2, 1)
