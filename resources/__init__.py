"""Packaged data: content packs, templates, images and the style sheet.

Installed as the package ``kiosk_resources``; read it through :mod:`kiosk.resources`.
"""
