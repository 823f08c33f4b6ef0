"""customers write operations (keyword-only `<entity>_<verb>`), one module per area.

Import them from here: `from customers.operations import usergroup_create`.
Modules: organisations, groups, numbers, users, imports, welcome (each owned by its area).
"""
