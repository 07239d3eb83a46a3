"""GitLab: ``api`` talks to the API through python-gitlab; ``events`` reads what started the
pipeline (CI variables, webhooks) as asks. Imported only when the gitlab forge is opened."""
