"""Exchange: Word codebook and theme report, REFI-QDA import/export, CSV."""
