-- The warehouse's database beside the Dagster instance's (same server, separate databases).
CREATE DATABASE prices OWNER dpgf;
