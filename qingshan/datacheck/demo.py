"""Demo plug-in of 数据比对模型: the app takes part in the demo city.

Its generator (the catalogue's data sets filled with the demo city's data and planted anomalies, the catalogue
models registered and run once) lives in the demo app, `qingshan.demo.parts.datacheck` and
`qingshan.demo.catalogue_data`, because it builds on the demo city; see `qingshan.demo.parts` for the contract.
This app never imports the demo app.
"""
