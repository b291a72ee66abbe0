"""Operating the helpline: the `almas` command line, the scheduler process, Rasa as a service
(train, run), the content check, and what `/metrics` reads from Redis when scraped.

May import: anything in `bot` (it is the top layer).
"""
