"""The curriculum: sections, resources, papers, prerequisites; guide import/export."""
