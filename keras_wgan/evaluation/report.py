"""A scored result as a text table."""


def format_table(result):
    """A text table: one row per score with its references and verdict."""
    lines = []
    if "feature_extractor" in result:
        lines.append(f"features: {result['features']}: {result['feature_extractor']}")
        lines.append(
            f"n = {result['num_samples']} per set vs {result['num_heldout']} held-out images; "
            "degraded = " + result.get(
                "degraded_reference", f"real images without classes {result['degraded_classes']}"
            )
        )
        header = f"{'score':<22}{'generated':>11}{'floor':>11}{'degraded':>11}  verdict"
    else:
        lines.append(f"n = {result['num_samples']} samples; floor = real vs real at the same n")
        header = f"{'score':<22}{'generated':>11}{'floor':>11}"
    lines.append(header)
    for name, row in result["scores"].items():
        arrow = "(higher better)" if row["higher_is_better"] else "(lower better)"
        line = f"{name:<22}{row['generated']:>11.4g}{row['floor']:>11.4g}"
        if "degraded" in row:
            line += f"{row['degraded']:>11.4g}  {row['verdict']}"
        lines.append(f"{line}  {arrow}" if "degraded" not in row else line)
    return "\n".join(lines)
