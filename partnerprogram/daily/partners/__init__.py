"""The partners pages: the filterable partner table and the partner page with its forms."""
