"""Where catalogues come from, the step before the catalogue: the partnership's source document
(:mod:`.document` for its text export, :mod:`.docx` for the Word file, :mod:`.contacts` for the
private contacts taken out of it), merging a new import into the curated catalogue
(:mod:`.merge`, :mod:`.mergefile`) and synthetic national catalogues for scale tests
(:mod:`.synth`, :mod:`.synth_data`)."""
