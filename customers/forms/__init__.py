"""customers forms, one module per area (groups, numbers, users...); import from the module."""
