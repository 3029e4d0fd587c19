"""What a running process tells its operators: Prometheus metrics (counters and
histograms updated in-process, gauges read from the database at scrape time), structured
JSON logs with a request id, and the readiness checks behind ``/readyz``.

Nothing here imports the API or the console; the API mounts the routes."""
