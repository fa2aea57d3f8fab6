"""Sample-corpus generator: a SharePoint-like library of pricing workbooks with a ground-truth manifest."""

from dpgf_assets.corpus.library import generate_library, manifest_path

__all__ = ["generate_library", "manifest_path"]
