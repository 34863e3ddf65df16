"""The indicator catalogue: definitions, run-time metadata check, builder and validation of counts."""

from segindicators.catalogue.definitions import (
    Catalogue,
    CatalogueError,
    Indicator,
    catalogue_table,
    load_catalogue,
)

__all__ = ["Catalogue", "CatalogueError", "Indicator", "catalogue_table", "load_catalogue"]
