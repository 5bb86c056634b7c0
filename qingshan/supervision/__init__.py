"""Supervision lists (监督清单, domain §3): plans, key tasks and indicators, key projects, items, periodic reports."""
