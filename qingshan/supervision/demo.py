"""Demo plug-in of the supervision lists: the app takes part in the demo city.

Its generator (the 2026 plan, key tasks and indicators, key projects, supervision items and their report history)
lives in the demo app, `qingshan.demo.parts.supervision`, because it builds on the demo city and its problem
history; see `qingshan.demo.parts` for the contract. This app never imports the demo app.
"""
