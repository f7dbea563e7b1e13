"""The development run command behind bin/run: database, broker, setup, child processes."""
