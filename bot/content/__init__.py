"""Everything a participant reads, as data: the content store (the published content in SQL,
or `content/*.yml` before any import; live reloaded), its schema, the files as documents of
items (import/export), and the Spanish date/number formatting (Babel, gettext).

May import: `bot.core`, `bot.store`.
"""
