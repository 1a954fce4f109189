"""Vaultra's financing knowledge corpus: the markdown documents beside this file.

Installed as the package ``vaultra_knowledge`` (see setup.py) so the corpus travels with the code.
"""
