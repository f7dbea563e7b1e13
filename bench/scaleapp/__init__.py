"""A throw-away tenant app for bench.scaling: one small table and two small migrations.

bench.scaling installs it only in its own process and database; MIGRATION_MODULES switches
between migrations_v1 (table), v2 (+ one column) and v3 (+ another column) to time
migrate_schemas for a small migration across many commune schemas.
"""
