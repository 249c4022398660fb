"""Team work: merging coded projects, inter-coder agreement, disagreements."""
