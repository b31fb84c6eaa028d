"""The layers of README.md's "How it is built" table hold in the code: walking every
import statement of npgan/ (including imports inside functions), no module imports a
layer above its own, and no private name (``_x``) is imported from another package."""
import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "npgan"


def readme_layers():
    """[(layer name, [module prefixes])] bottom up, from the README's table."""
    text = (ROOT / "README.md").read_text()
    table = text.split("## How it is built", 1)[1].split("\n\n", 2)[1]
    layers = []
    for row in table.splitlines()[2:]:
        name, where = (cell.strip() for cell in row.strip("|").split("|")[:2])
        paths = re.findall(r"`(npgan/[^`]*)`", where)
        prefixes = [p.rstrip("/").removesuffix(".py").replace("/", ".") for p in paths]
        layers.append((name, prefixes))
    return layers


def layer_of(module, layers):
    """Index of the layer holding ``module`` (the longest matching prefix), else None."""
    best = None
    for index, (_, prefixes) in enumerate(layers):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    return None if best is None else best[0]


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path):
    """(line, imported module or name, imported names) of every import in ``path``."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            names = [a.name for a in node.names]
            if node.module:
                yield node.lineno, target, names
            else:  # `from .. import viz`: each name is a module (or a name of the package)
                for name in names:
                    yield node.lineno, f"{target}.{name}", []


def sources():
    return sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


def test_the_table_covers_every_module():
    layers = readme_layers()
    assert [name for name, _ in layers][0] == "kernels" and len(layers) >= 5
    unplaced = [module_name(p) for p in sources() if layer_of(module_name(p), layers) is None]
    assert not unplaced, f"modules in no layer of README's table: {unplaced}"


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_layer_above_its_own(path):
    layers = readme_layers()
    me = module_name(path)
    mine = layer_of(me, layers)
    for line, target, _ in imports(path):
        if target == "npgan" or target.startswith("npgan."):
            theirs = layer_of(target, layers)
            assert theirs is not None and theirs <= mine, (
                f"{path.relative_to(ROOT)}:{line} ({layers[mine][0]}) imports {target} "
                f"({'the package itself' if theirs is None else layers[theirs][0]})")


def package_of(module):
    """``npgan.ops`` for anything in npgan/ops/; ``npgan`` for the top-level modules."""
    parts = module.split(".")
    if parts[:2] == ["npgan", "_C"]:  # the compiled csrc/: the kernels' own
        return "npgan.kernels"
    return ".".join(parts[:2]) if len(parts) > 1 and (PACKAGE / parts[1]).is_dir() else "npgan"


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_private_name_is_imported_across_packages(path):
    me = module_name(path)
    for line, target, names in imports(path):
        parts = target.split(".")
        if parts[0] != "npgan" or package_of(target) == package_of(me):
            continue
        private = [p for p in parts[1:] if p.startswith("_")] + [n for n in names if n.startswith("_")]
        assert not private, f"{path.relative_to(ROOT)}:{line} imports private {private} from {target}"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_says_what_it_is_for(path):
    doc = ast.get_docstring(ast.parse(path.read_text(), str(path)))
    assert doc and len(doc.split()) >= 5, f"{path.relative_to(ROOT)} has no docstring saying what it is for"
