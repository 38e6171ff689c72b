"""The service wiring and the `anjing` command: the only part that knows every other part."""

__all__: list[str] = []
