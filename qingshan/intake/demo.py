"""Demo plug-in of 机器接入: the app takes part in the demo city. Its generator (a camera platform and an online
monitoring system posting alerts into the city, with routing rules per district) lives in the demo app,
`qingshan.demo.parts.intake`, because it builds on the demo city; this app never imports the demo app."""
