"""Mail: the transactional outbox and its sender."""
