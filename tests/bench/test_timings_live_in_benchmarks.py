"""Timings live in benchmarks/README.md, not in the library (they go stale there): no
library file quotes a time in us / ms / ns, and every pointer of the form
benchmarks/README.md, section "X" names a heading that exists there."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
TIME = re.compile(r"\d(\.\d+)? ?(us|ms|µs|ns)\b")
POINTER = re.compile(r'benchmarks/README\.md,\s+(?:#\s+)?(?:section\s+)?"([^"]+)"')


def library_files():
    return sorted((ROOT / "npgan").rglob("*.py"))


def test_no_library_file_quotes_a_time():
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}" for p in library_files()
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if TIME.search(line)]
    assert not found, "move these timings to benchmarks/README.md:\n" + "\n".join(found)


def test_every_pointer_names_a_section_of_benchmarks_readme():
    headings = {line.lstrip("#").strip() for line in (ROOT / "benchmarks" / "README.md").read_text().splitlines()
                if line.startswith("#")}
    pointers = {}
    for p in library_files():
        text = " ".join(p.read_text(encoding="utf-8").replace("#", " ").split())  # a pointer may wrap
        for name in POINTER.findall(text):
            pointers.setdefault(name, p.relative_to(ROOT).as_posix())
    assert len(pointers) >= 8  # the pointers left where the figures were
    missing = {name: where for name, where in pointers.items() if name not in headings}
    assert not missing, f"pointers to no heading of benchmarks/README.md: {missing}"
