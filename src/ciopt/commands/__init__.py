"""One module per subcommand; each exposes ``add_parser`` and a function returning an exit code."""
