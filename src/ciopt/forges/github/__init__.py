"""GitHub: ``api`` talks to the REST API through PyGithub; ``events`` reads the Actions event
that started the job as asks. Imported only when the github forge is opened."""
