"""Grafana dashboards as code (see grafana/dashboards_src)."""
