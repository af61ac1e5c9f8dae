"""Generator for the committed dashboards in grafana/dashboards/.

Run `python -m grafana.dashboards_src.build` to regenerate them, `--check` to fail
when the committed JSON differs from what the code produces.
"""
