"""A Microsoft Graph (SharePoint drive) emulator for tests, benchmarks and the demo: no tenant needed."""

from dpgf_assets.emulator.faults import FaultPlan
from dpgf_assets.emulator.library import Library, LibraryError
from dpgf_assets.emulator.server import GraphEmulator

__all__ = ["FaultPlan", "GraphEmulator", "Library", "LibraryError"]
