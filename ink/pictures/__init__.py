"""Pictures: event images and organisation logos, decoded and re-encoded so nothing but pixels survives.

A neutral domain below organisations and events (it imports neither): ``images`` is the pure Pillow
work (checks, orientation, renditions), ``models`` the ``Picture`` row that series and organisations
point at, ``service`` writes the renditions under PICTURES_DIR, ``forms`` the upload form both owners'
pages use, and ``views`` serves the files and gives templates their URLs.
"""
