"""Sphinx + MyST-NB configuration of the fusionlab course site (``make book``).

``book/build_book.py`` copies this file, a generated landing page and the executed lessons into a staging
folder and runs Sphinx there; notebooks are rendered from their stored outputs, never re-executed.
Everything the pages load is served from the site itself (no CDN): the site works offline.
"""

project = "fusionlab"
author = "fusionlab developers"
copyright = "fusionlab developers"

extensions = ["myst_nb"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
master_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# Render what papermill stored; executing here would double the CI time and could change the numbers.
nb_execution_mode = "off"
nb_merge_streams = True
# Widgets would load their JavaScript from a CDN, which an offline classroom cannot reach.
nb_ipywidgets_js = {}
# Plain images and tables first; widget views fall back to their text.
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header", "misc.highlighting_failure"]

html_theme = "sphinx_book_theme"
html_title = "fusionlab: multimodal fusion for biomedical signals"
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "home_page_in_toc": True,
}
# pydata-sphinx-theme logs a console error when the page carries no colour mode; name one.
html_context = {"default_mode": "light"}
# A favicon link, so browsers do not request /favicon.ico (a 404 in the console); build_book.py draws it.
html_favicon = "_static/favicon.png"
html_last_updated_fmt = None
html_copy_source = True
