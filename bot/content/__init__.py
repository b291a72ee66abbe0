"""Everything a participant reads, as data: the content store over `content/*.yml` (live
reloaded), its schema, and the Spanish date/number formatting (Babel, gettext).

May import: `bot.core`.
"""
