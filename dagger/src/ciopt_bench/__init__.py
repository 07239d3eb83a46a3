"""ciopt's containerised test and benchmark runs, as a Dagger module (``dagger call``)."""

from .main import CioptBench as CioptBench
