"""Demo plug-in of the rectification campaign: the app takes part in the demo city.

Its generator (one campaign of ~60 督察反馈 items in every state, with milestones, posts and diaries) lives in the
demo app, `qingshan.demo.parts.rectification`, because it builds on the demo city's organisations and people; this
app never imports the demo app.
"""
