"""Cards: geometry (where ink may go), fonts, templates, drawing and batch rendering.

Kept import-light on purpose: import the submodule you need (`mailer.drawing.batch`,
`mailer.drawing.painter`, ...) so that the CLI only pays for ReportLab when it renders.
"""
