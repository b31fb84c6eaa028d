"""``npgan export``: a trained network as a file PyTorch loads (``npgan.interop``).

    npgan export --ckpt runs/nsgan --out G.pt            # the generator
    npgan export --ckpt runs/nsgan --net D --out D.pt    # the discriminator

The file is ``torch.save`` of plain containers and tensors (so ``torch.load(...,
weights_only=True)`` reads it): the torch state_dict, the module tree with every
constructor's arguments, and the run's model, step and config. In PyTorch, with npgan
installed, ``npgan.interop.load_exported("G.pt")`` rebuilds the module; without it, the
``structure`` entry says which ``torch.nn`` layers to build and the state_dict fills them.
"""
import os

from ..atomic import atomic_write
from .checks import ConfigError

EXTENSIONS = (".pt", ".pth")


def run(args):
    if os.path.splitext(args.out)[1].lower() not in EXTENSIONS:
        raise ConfigError("out", f"{args.out}: an export is a PyTorch file; name it .pt or .pth")
    if os.path.isdir(args.out):
        raise ConfigError("out", f"{args.out} is a directory")
    if os.path.exists(args.out) and not args.overwrite:
        raise ConfigError("out", f"{args.out} exists; pass --overwrite to replace it")
    try:
        import torch  # noqa: F401  (checked before the checkpoint is read)
    except ImportError:
        raise ValueError("PyTorch is not installed (npgan does not install it): pip install torch") from None
    from .. import interop
    from .run import load_run

    trainer, _, config = load_run(args.ckpt)
    net = trainer.G if args.net == "G" else trainer.D
    net.eval()
    with atomic_write(args.out) as f:
        interop.save_for_torch(net, f, model=config.model, net=args.net, step=trainer.step_count,
                               config=config.to_json())
    print(f"wrote {args.net} of {config.model} (step {trainer.step_count}) to {args.out}; in PyTorch: "
          f"npgan.interop.load_exported({args.out!r}), or torch.load({args.out!r})['state_dict']")
    return 0


def add_export_parser(subparsers, parents=()):
    """Define ``npgan export`` on the main parser's ``subparsers``."""
    parser = subparsers.add_parser(
        "export", help="write a trained G or D as a PyTorch file (needs torch)",
        description="Write a network of a checkpoint as a PyTorch state_dict with the constructor arguments "
                    "of every layer (npgan.interop.load_exported reads it back as a torch module).",
        parents=list(parents))
    parser.add_argument("--ckpt", required=True, help="a checkpoint.npz written by npgan train (or its run directory)")
    parser.add_argument("--net", choices=("G", "D"), default="G", help="which network (default G)")
    parser.add_argument("--out", required=True, help="the .pt file to write")
    parser.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    parser.set_defaults(run=run)
    return parser
