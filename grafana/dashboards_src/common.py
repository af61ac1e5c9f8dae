"""Shared styling and helpers: every panel of every dashboard is built from these.

Change the look of all dashboards here; the panel modules only say what each
panel shows (title, query, unit, thresholds).
"""

from __future__ import annotations

from collections.abc import Sequence

from grafana_foundation_sdk.builders import bargauge, stat, timeseries
from grafana_foundation_sdk.builders import common as common_builder
from grafana_foundation_sdk.builders import dashboard as dashboard_builder
from grafana_foundation_sdk.builders import prometheus as prometheus_builder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    DashboardLinkType,
    DataSourceRef,
    DynamicConfigValue,
    FieldColorModeId,
    Threshold,
    ThresholdsMode,
    VariableHide,
    VariableOption,
)

from streams.metrics.catalogue import help_for, lookup

# Pinned in grafana/provisioning/datasources/prometheus.yml.
DATASOURCE_UID = "cspulse-prometheus"
DATASOURCE = DataSourceRef(type_val="prometheus", uid=DATASOURCE_UID)

WINDOWS = ("1h", "24h", "7d", "30d")  # CONTRACT.md section 5 default windows
TAGS = ["cspulse", "generated"]

# Money is in the reporting currency (cs_build_info{reporting_currency}), which is
# configurable, so no currency symbol: plain numbers with two decimals.
MONEY_DECIMALS = 2

GREEN, YELLOW, ORANGE, RED, BLUE, PURPLE = "green", "yellow", "orange", "red", "blue", "purple"


def series_help(name: str, note: str = "") -> str:
    """A panel description from the series catalogue: the HELP /metrics gives `name`, plus a note."""
    return f"{help_for(name)} {note}".strip()


def series_unit(name: str) -> str:
    """The Grafana unit of a raw series: seconds for `_seconds` series, plain numbers otherwise."""
    entry, _ = lookup(name)
    return "s" if entry.name.endswith("_seconds") else "short"


def query(expr: str, legend: str = "__auto", ref_id: str = "A", instant: bool = False):
    """A Prometheus target on the pinned datasource."""
    target = (
        prometheus_builder.Dataquery()
        .expr(expr)
        .legend_format(legend)
        .ref_id(ref_id)
        .datasource(DATASOURCE)
    )
    return target.instant() if instant else target.range()


def thresholds(*steps: tuple[float | None, str]) -> dashboard_builder.ThresholdsConfig:
    """Absolute thresholds; the first step's value is None (from -inf)."""
    return (
        dashboard_builder.ThresholdsConfig()
        .mode(ThresholdsMode.ABSOLUTE)
        .steps([Threshold(value=value, color=color) for value, color in steps])
    )


def fixed_color(color: str) -> dashboard_builder.FieldColor:
    return dashboard_builder.FieldColor().mode(FieldColorModeId.FIXED).fixed_color(color)


def color_override(color: str) -> DynamicConfigValue:
    """A field override property giving a series a fixed colour."""
    return DynamicConfigValue(id_val="color", value={"mode": "fixed", "fixedColor": color})


def palette() -> dashboard_builder.FieldColor:
    return dashboard_builder.FieldColor().mode(FieldColorModeId.PALETTE_CLASSIC)


def default_stat(big: bool = False) -> stat.Panel:
    """A single big number; `big` for wallboards read from across the room."""
    panel = (
        stat.Panel()
        .datasource(DATASOURCE)
        .graph_mode(common.BigValueGraphMode.AREA)
        .color_mode(common.BigValueColorMode.BACKGROUND if big else common.BigValueColorMode.VALUE)
        .justify_mode(common.BigValueJustifyMode.CENTER)
        .text_mode(common.BigValueTextMode.VALUE)
        .reduce_options(common_builder.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .thresholds(thresholds((None, BLUE)))
        .no_value("-")
        .height(8 if big else 4)
        .span(6 if big else 4)
    )
    if big:
        panel = panel.text(common_builder.VizTextDisplayOptions().title_size(28).value_size(96))
    return panel


def default_timeseries() -> timeseries.Panel:
    return (
        timeseries.Panel()
        .datasource(DATASOURCE)
        .color_scheme(palette())
        .line_width(2)
        .fill_opacity(10)
        .show_points(common.VisibilityMode.NEVER)
        .draw_style(common.GraphDrawStyle.LINE)
        .gradient_mode(common.GraphGradientMode.OPACITY)
        .span_nulls(False)
        .line_interpolation(common.LineInterpolation.LINEAR)
        .legend(
            common_builder.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
            .show_legend(True)
        )
        .tooltip(
            common_builder.VizTooltipOptions()
            .mode(common.TooltipDisplayMode.MULTI)
            .sort(common.SortOrder.DESCENDING)
        )
        .thresholds_style(
            common_builder.GraphThresholdsStyleConfig().mode(common.GraphTresholdsStyleMode.OFF)
        )
        .height(8)
        .span(12)
    )


def default_bars() -> timeseries.Panel:
    """Bars side by side, e.g. counts per interval."""
    return (
        default_timeseries()
        .draw_style(common.GraphDrawStyle.BARS)
        .fill_opacity(80)
        .gradient_mode(common.GraphGradientMode.NONE)
    )


def stacked_bars() -> timeseries.Panel:
    """Stacked bars, e.g. movements per interval (negative kinds below zero)."""
    return default_bars().stacking(
        common_builder.StackingConfig().mode(common.StackingMode.NORMAL)
    )


def stacked_area() -> timeseries.Panel:
    """Stacked areas, e.g. MRR by plan."""
    return (
        default_timeseries()
        .fill_opacity(40)
        .stacking(common_builder.StackingConfig().mode(common.StackingMode.NORMAL))
    )


def default_bargauge(big: bool = False) -> bargauge.Panel:
    panel = (
        bargauge.Panel()
        .datasource(DATASOURCE)
        .display_mode(common.BarGaugeDisplayMode.BASIC)
        .value_mode(common.BarGaugeValueMode.COLOR)
        .orientation(common.VizOrientation.HORIZONTAL)
        .show_unfilled(True)
        .reduce_options(common_builder.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .thresholds(thresholds((None, BLUE)))
        .min(0)
        .height(8)
        .span(8)
    )
    if big:
        panel = panel.text(common_builder.VizTextDisplayOptions().title_size(24).value_size(40))
    return panel


def window_variable(default: str, description: str) -> dashboard_builder.CustomVariable:
    """`$window`: which rolling window the stats show (the `window` label)."""
    return (
        dashboard_builder.CustomVariable("window")
        .label("Window")
        .description(description)
        .values(",".join(WINDOWS))
        .current(VariableOption(selected=True, text=default, value=default))
        .options(
            [VariableOption(selected=w == default, text=w, value=w) for w in WINDOWS]
        )
        .hide(VariableHide.DONT_HIDE)
    )


def base_dashboard(
    uid: str, title: str, description: str, refresh: str, time_from: str, tags: Sequence[str] = ()
) -> dashboard_builder.Dashboard:
    return (
        dashboard_builder.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags([*TAGS, *tags])
        .editable()
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .refresh(refresh)
        .time(time_from, "now")
        .timezone("browser")
        .timepicker(
            dashboard_builder.TimePicker().refresh_intervals(
                ["10s", "30s", "1m", "5m", "15m", "30m", "1h"]
            )
        )
        .link(
            dashboard_builder.DashboardLink("cspulse dashboards")
            .type(DashboardLinkType.DASHBOARDS)
            .tags(["cspulse"])
            .as_dropdown(True)
            .include_vars(False)
            .keep_time(True)
        )
    )
