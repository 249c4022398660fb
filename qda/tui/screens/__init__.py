"""One screen per workflow: home, coding, codebook, compare, memos, reports."""
