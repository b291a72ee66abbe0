"""Operating the helpline: the `almas` command line, the scheduler process, Rasa as a service
(train, run), and the content check.

May import: anything in `bot` (it is the top layer).
"""
