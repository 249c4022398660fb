"""Dialogs: errors, help, the code picker, memo and form editors, pickers."""
