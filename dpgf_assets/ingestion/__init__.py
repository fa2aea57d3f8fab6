"""From a source to the warehouse: inventory, batch planning, the import of a batch, its guards, the report."""
