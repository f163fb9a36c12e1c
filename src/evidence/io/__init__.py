"""Reading and writing: strict JSON and YAML readers, the atomic writer, digests, JSON pointers."""
