"""Demo plug-in of the data sets: the app takes part in the demo city.

Its part (registering the comparison-model catalogue's data-set schemas) lives in the demo app,
`qingshan.demo.parts.datasets`, because the schemas belong to an app above this one; see `qingshan.demo.parts` for
the contract. This app never imports the demo app.
"""
