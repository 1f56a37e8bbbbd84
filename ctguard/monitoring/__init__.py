"""CIS monitoring chain: CloudWatch Logs filter patterns, EventBridge patterns, CIS items."""
