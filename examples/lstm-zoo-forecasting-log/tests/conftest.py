pytest_plugins = ["zoo.testing.pytest_plugin"]
