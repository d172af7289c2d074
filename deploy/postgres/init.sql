-- Runs once, when the postgres container first initialises an empty data volume.
-- Passwords come from the container's environment (docker-compose.yml), never from this file;
-- psql's \getenv reads them, and a missing one leaves the variable unset, which stops the script.
\set ON_ERROR_STOP on
\getenv temporal_password TEMPORAL_DB_PASSWORD
\getenv abate_password ABATE_DB_PASSWORD

-- CREATEDB because temporal-sql-tool's `create` step checks that privilege even when the database exists.
CREATE ROLE temporal LOGIN CREATEDB PASSWORD :'temporal_password';
CREATE ROLE abate LOGIN PASSWORD :'abate_password';

-- Temporal's persistence and visibility stores; the temporal-schema job creates their tables.
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;

-- Abate's records; `python -m records.migrate` (Alembic) creates the tables.
CREATE DATABASE abate OWNER abate;
