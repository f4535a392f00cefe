"""The zoo's pytest plugin: the `zoo_check` parameter (one test per conformance check) and an
environment with no outbound requests."""
pytest_plugins = ["zoo.testing.pytest_plugin"]
