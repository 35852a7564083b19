"""The transactional outbox: tasks queued in the same database transaction as the change that causes them."""
