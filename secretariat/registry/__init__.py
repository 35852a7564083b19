"""Import of the former registry: file reading, the dry run (planning), writing, and the steps as services."""
