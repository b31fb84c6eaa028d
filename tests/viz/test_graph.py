"""to_dot: nodes, edges and op names of small graphs; deep chains; freed graphs; save_dot."""
import os
import re
import stat

import pytest

import npgan as ng
from npgan.viz import save_dot, to_dot


def nodes(dot):
    """{node id: label} of the tensor (t...) and function (f...) nodes."""
    return dict(re.findall(r'^\s*([tf]\d+) \[label="([^"]*)"', dot, flags=re.M))


def edges(dot):
    return re.findall(r"^\s*(\w+) -> (\w+)", dot, flags=re.M)


def small_graph():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    w = ng.tensor([3.0, 4.0], requires_grad=True)
    return (x * w).sum()


def test_small_graph_nodes_edges_and_op_names():
    dot = to_dot(small_graph())
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    found = nodes(dot)
    ops = sorted(label for node, label in found.items() if node.startswith("f"))
    assert ops == ["Mul", "Sum"]
    assert sum(node.startswith("t") for node in found) == 4  # x, w, x * w, y
    assert len(edges(dot)) == 5  # x -> Mul, w -> Mul, Mul -> x*w, x*w -> Sum, Sum -> y
    assert "(2,)\\nfloat32" in found.values() and "()\\nfloat32" in found.values()


def test_show_shapes_false_and_leaf_only():
    assert "float32" not in to_dot(small_graph(), show_shapes=False)
    leaf = to_dot(ng.tensor([1.0]))
    assert len(nodes(leaf)) == 1 and edges(leaf) == []


def test_shared_input_drawn_once():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    dot = to_dot((x * x).sum())
    assert sum(node.startswith("t") for node in nodes(dot)) == 3
    assert edges(dot).count(edges(dot)[-1]) == 2  # x enters Mul twice
    assert len(edges(dot)) == 5


def test_deep_chain_has_no_recursion_limit():
    x = ng.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = ng.exp(y * 0.0)
    dot = to_dot(y)
    assert list(nodes(dot).values()).count("Exp") == 5000


def test_freed_graph_is_noted():
    y = small_graph()
    y.backward()
    dot = to_dot(y)
    assert "freed by backward()" in dot and "retain_graph=True" in dot
    assert [label for node, label in nodes(dot).items() if node.startswith("f")] == ["Sum"]


def test_bad_input_raises():
    with pytest.raises(TypeError, match="to_dot: expected an npgan Tensor, got list"):
        to_dot([1.0])


def test_save_dot_writes_text(tmp_path):
    path = save_dot(small_graph(), tmp_path / "graph.dot")
    with open(path) as f:
        assert f.read().startswith("digraph")


def test_save_png_without_graphviz_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no 'dot' here
    with pytest.raises(RuntimeError, match="save_dot: .*Graphviz's 'dot' program"):
        save_dot(small_graph(), tmp_path / "graph.png")
    assert list(tmp_path.iterdir()) == []


def test_save_png_renders_with_dot_on_path(tmp_path, monkeypatch):
    fake_dot = tmp_path / "dot"  # stands in for Graphviz: echoes its format and input size
    fake_dot.write_text('#!/bin/sh\necho "rendered $1"; wc -c >/dev/null\n')
    fake_dot.chmod(fake_dot.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ["PATH"])
    path = save_dot(small_graph(), tmp_path / "graph.png")
    with open(path, "rb") as f:
        assert f.read() == b"rendered -Tpng\n"
