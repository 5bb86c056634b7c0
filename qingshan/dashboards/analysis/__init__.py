"""一键分析 and the unit 体检报告: rule-based, deterministic readings of the KPI figures (issue 13, part A)."""
