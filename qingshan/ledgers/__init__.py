"""The three ledgers (监督清单、问题清单、整改清单): opening, checks and closing of each entry, and Excel export."""
