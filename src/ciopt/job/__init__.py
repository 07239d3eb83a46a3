"""The job around a run on a forge: who asked, may they, claim the request, report progress."""
