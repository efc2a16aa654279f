"""Where catalogues come from, the step before the catalogue: the partnership's source document
(imported for review) and synthetic national catalogues for scale tests."""
