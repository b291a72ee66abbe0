"""Reports for programme staff (issue 15): what the helpline did in a period, as aggregates.

Owns the reporting period (Bogotá days), the figures and how each is computed (SQL aggregates
run in the database: `queries`), small-cell suppression (no figure about fewer than
`REPORT_SUPPRESS_BELOW` women is shown), the `Report` of named tables, and its exports (CSV,
XLSX, JSON). A report holds no phone number, no participant or ticket id and no message text.

May import: `bot.core`, `bot.store`, `bot.content`, `bot.outbound` (SMS segment counting) and
`bot.handoff` (the names of ticket transitions). Nothing imports it but `bot.ops` (the CLI) and
`webhooks/` (the page).
"""
