"""Jira: ``api`` reads issues, people, comments and the workflow through the jira library and
publishes through the code forge it wraps; ``client`` is the jira library's client with ciopt's
retries, credentials and errors; ``events`` reads the dispatch that started the job;
``markup`` converts ciopt's Markdown to Jira's wiki markup and back. Imported only when the jira
forge is opened."""
