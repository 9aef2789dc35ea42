"""bench/pages: time, peak memory and queries of the pages and endpoints that grew with the data."""
