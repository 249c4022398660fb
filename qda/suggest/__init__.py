"""spaCy-assisted coding: candidate segments, key terms, autocoding, in-vivo candidates."""
