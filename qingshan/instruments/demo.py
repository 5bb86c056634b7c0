"""Demo plug-in of instruments and accountability: the app takes part in the demo city. Its generator (about 30
instruments with replies and follow-ups, about 40 accountability records and exposure batches) lives in the demo
app, `qingshan.demo.parts.instruments`, because it builds on the demo city's people and problems."""
