"""Clues change only through their services, and the vault is never shown: nothing of this app is in the admin."""
