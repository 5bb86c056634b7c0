"""The discipline loop takes part in the demo city: its generator is qingshan/demo/parts/clues.py."""
