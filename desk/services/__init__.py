"""Services: the only code that changes data, plus the read queries and the policy."""
