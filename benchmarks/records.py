"""One record per benchmark: `results/<benchmark>.jsonl` and its rendered `results/<benchmark>.md`.

A benchmark appends its rows to its one JSON-lines file, each row naming its `variant` (the
setting it was measured under, e.g. `"avx2_capped"`), and renders its Markdown table as one
section per variant: writing a variant's section replaces that section and keeps the others.
"""

import json
import os

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
SECTION = "## variant: "


def jsonl_path(benchmark, results=RESULTS):
    return os.path.join(results, f"{benchmark}.jsonl")


def markdown_path(benchmark, results=RESULTS):
    return os.path.join(results, f"{benchmark}.md")


def append(benchmark, row, results=RESULTS):
    """Appends `row` (a dict that names its `variant`) to the benchmark's JSON lines."""
    os.makedirs(results, exist_ok=True)
    with open(jsonl_path(benchmark, results), "a") as file:
        file.write(json.dumps(row) + "\n")


def read(benchmark, variant=None, key="variant", results=RESULTS):
    """The benchmark's rows, those whose `key` field equals `variant` if it is given."""
    path = jsonl_path(benchmark, results)
    if not os.path.exists(path):
        return []
    with open(path) as file:
        rows = [json.loads(line) for line in file if line.strip()]
    return [row for row in rows if variant is None or row.get(key) == variant]


def write_section(benchmark, variant, text, title, results=RESULTS):
    """Puts `text` as the `variant` section of the benchmark's Markdown, keeping the others.

    The text before the first section (the title and any notes written by hand) is kept; a new
    file starts with `title`.
    """
    path = markdown_path(benchmark, results)
    head, sections = f"# {title}\n\n", {}
    if os.path.exists(path):
        with open(path) as file:
            head, *parts = file.read().split("\n" + SECTION)
        head += "\n"
        for part in parts:
            name, _, body = part.partition("\n")
            sections[name.strip()] = body.strip("\n") + "\n"
    sections[variant] = text.strip("\n") + "\n"
    with open(path, "w") as file:
        file.write(head.rstrip("\n") + "\n")
        for name, body in sections.items():
            file.write(f"\n{SECTION}{name}\n\n{body}")


def table(rows, columns):
    """A Markdown table of `rows`: `columns` is a list of (label, key), a key dotted for a
    nested field ("scores.fid"); missing fields show as "-"."""

    def cell(row, key):
        value = row
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    lines = ["| " + " | ".join(label for label, _ in columns) + " |",
             "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row, key) for _, key in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_all(benchmark, title, note, columns, results=RESULTS):
    """Renders every row of the benchmark as one table under `title` and `note`."""
    with open(markdown_path(benchmark, results), "w") as file:
        file.write(f"# {title}\n\n{note}\n\n" + table(read(benchmark, results=results), columns))


def record(benchmark, row, render, results=RESULTS):
    """Appends `row`, renders the Markdown again (`render()`) and prints the row."""
    append(benchmark, row, results)
    render()
    print(json.dumps(row), flush=True)
