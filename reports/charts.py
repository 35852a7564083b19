"""Charts of the annual report: horizontal bar charts as SVG vector graphics (matplotlib).

Each chart is drawn from figures already computed (``selectors``) and is followed in the report by a table
with the same figures, so nothing is only in a picture. Text stays text in the SVG (``svg.fonttype: none``)
and WeasyPrint draws it with the report's fonts (Noto, found through fontconfig), so every script the report
shows in its tables shows the same in its charts. The SVG carries no date and fixed element IDs, so the same
figures always give the same bytes.
"""

import io
import threading

# Colours of the P2C palette used by the stylesheet (annual_report.css).
BAR_COLOUR = "#009cd6"
TEXT_COLOUR = "#1b2430"
GRID_COLOUR = "#d5dde6"
FONT_FAMILIES = ["Noto Sans", "Noto Sans Arabic", "Noto Sans CJK SC", "DejaVu Sans"]
# matplotlib's rcParams are global: charts are drawn one at a time.
_lock = threading.Lock()


def _label(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def font_families(language: str) -> list[str]:
    """The chart fonts for a report language, its own script's font first.

    WeasyPrint draws SVG text with the first family that fontconfig matches and lets fontconfig fill in
    missing characters, which for Chinese picks the Japanese glyph forms (FINDINGS.md): Chinese reports ask
    for "Noto Sans CJK SC" first.
    """
    if language.lower().startswith("zh"):
        return ["Noto Sans CJK SC", *[f for f in FONT_FAMILIES if f != "Noto Sans CJK SC"]]
    return list(FONT_FAMILIES)


def bar_chart_svg(
    *,
    labels: list[str],
    values: list[float],
    value_labels: list[str],
    salt: str,
    rtl: bool = False,
    families: list[str] | None = None,
) -> bytes:
    """A horizontal bar chart as SVG bytes, one bar per label, top to bottom in the order given.

    Args:
        labels: category names (already translated); long names are shortened with "…" (the table that
            follows the chart has them in full).
        values: bar lengths, any unit (e.g. numbers of pledges); floats are fine here, the figures shown are
            ``value_labels``.
        value_labels: the formatted figure printed at the end of each bar (e.g. "1,234").
        salt: a string that makes the SVG's internal element IDs unique within the report (e.g. the chart's
            name) and stable from one rendering to the next.
        rtl: right-to-left report: bars grow from the right and labels sit on the right.
        families: font families, in order (``font_families(language)``); default ``FONT_FAMILIES``.
    Returns:
        UTF-8 SVG bytes, about 170 mm wide, height growing with the number of bars.
    """
    import matplotlib  # imported here: a second's work that only rendering needs
    from matplotlib.figure import Figure  # drawn without pyplot, so no display backend is involved

    count = max(len(labels), 1)
    width_in = 6.7
    height_in = 0.3 * count + 0.35
    with (
        _lock,
        matplotlib.rc_context(
            {
                "svg.fonttype": "none",
                "svg.hashsalt": salt,
                "font.family": "sans-serif",
                "font.sans-serif": families or FONT_FAMILIES,
                "font.size": 8,
                "text.color": TEXT_COLOUR,
                "axes.edgecolor": GRID_COLOUR,
            }
        ),
    ):
        fig = Figure(figsize=(width_in, height_in))
        ax = fig.add_axes((0.34, 0.06, 0.56, 0.88) if not rtl else (0.1, 0.06, 0.56, 0.88))
        positions = list(range(len(labels)))
        ax.barh(positions, values, color=BAR_COLOUR, height=0.62)
        ax.set_yticks(positions, [_label(label) for label in labels])
        ax.invert_yaxis()
        top = max(values, default=0) or 1
        ax.set_xlim(0, top * 1.18)
        ax.set_xticks([])
        for spine in ("top", "right", "bottom"):
            ax.spines[spine].set_visible(False)
        ax.tick_params(axis="y", length=0, pad=4)
        for y, (value, text) in enumerate(zip(values, value_labels, strict=True)):
            ax.text(value + top * 0.015, y, text, va="center", ha="left", fontsize=7.5)
        if rtl:
            ax.invert_xaxis()
            ax.yaxis.tick_right()
            ax.spines["left"].set_visible(False)
            ax.spines["right"].set_visible(True)
            for t in ax.texts:
                t.set_ha("right")
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None}, transparent=True)
    return out.getvalue()
