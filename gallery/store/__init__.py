"""Storage: the database and its pragmas (db.py), the models (models.py), the hot queries
as plain SQL (queries.py), the schema and its migrations (schema.py), retention."""
