"""Demo plug-in of 联动协作: the app takes part in the demo city. Its generator (two 会商 with the city's bodies and
their decisions) lives in the demo app, `qingshan.demo.parts.collaboration`; this app never imports the demo app."""
