"""The evidence documents. One module per document; shared field types live in `types`."""
