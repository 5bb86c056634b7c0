"""Data-comparison models (数据比对模型, domain §9): declarative specs compiled to SQL, runs, hits and triage."""
