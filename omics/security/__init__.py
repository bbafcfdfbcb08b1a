"""Accounts, passwords, roles, API keys, refresh-token families and the audit chain.

Pure Python over SQLAlchemy and Redis: no Flask or Celery here, so every rule can be tested
alone and reused by the command line (``create-user``, ``audit-verify``) and the web layer.
"""
