"""SQL storage (SQLAlchemy 2): the models, the queries, and the Alembic migrations.

May import: `bot.core`.
"""
