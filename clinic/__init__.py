"""The clinic store (issue 18): the clinic's details, named price lists and payer coverage templates kept in a
database (SQLite by default, PostgreSQL by URL), with Alembic migrations, import/export files and CLI glue.

Apart from the calculation core: `estimator/` never imports this package; it hands the core plain pydantic data.
"""
