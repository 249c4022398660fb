"""Reusable widgets: the transcript view, the code tree, the saturation plot."""
