"""Staff tools: review and link checks."""
