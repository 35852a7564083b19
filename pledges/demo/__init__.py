"""Demo data: publicly announced Partner2Connect pledges (see ``SOURCES.md``) and their loader."""
