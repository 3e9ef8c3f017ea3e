"""Tandem runs an organisation's OKRs and KPIs together."""

__version__ = "0.1.0"
