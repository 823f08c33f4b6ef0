"""customers views, one module per area (history, groups, users, numbers, imports...)."""
